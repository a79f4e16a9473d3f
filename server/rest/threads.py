"""`GET /api/v1/orgs/{org}/messages/{id}/thread`: a thread over HTTP."""

from __future__ import annotations

import uuid

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from protocol.chat import Seq, Thread, ThreadQuery

from ..actor import Actor
from ..services.chat import threads
from ..services.core import Services
from .resource import Op, Serve

routes = web.RouteTableDef()


class ThreadParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    before_seq: Seq | None = None
    limit: int = Field(default=50, ge=1, le=100)


async def get_thread(
    svc: Services, caller: Actor, org_id: uuid.UUID, message_id: uuid.UUID, params: ThreadParams
) -> Thread:
    query = ThreadQuery(message_id=message_id, before_seq=params.before_seq, limit=params.limit)
    return await threads.thread(svc, caller, query, org_id)


Serve(routes, tags=["chat"], path_first=True).get(
    "/api/v1/orgs/{org}/messages/{id}/thread",
    Op("A thread: its first message and a page of replies (ascending seq)", [404], call=get_thread),
    query=ThreadParams,
    out=Thread,
)
