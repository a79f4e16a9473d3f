"""`GET /api/v1/orgs/{org}/messages/{id}/thread`: a thread over HTTP."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from protocol.chat import Seq, Thread, ThreadQuery

from ..services.chat import threads
from .context import actor, services
from .json import json_response, parse_query, path_uuid
from .openapi import api

routes = web.RouteTableDef()


class ThreadParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    before_seq: Seq | None = None
    limit: int = Field(default=50, ge=1, le=100)


@routes.get("/api/v1/orgs/{org}/messages/{id}/thread")
@api(
    "A thread: its first message and a page of replies (ascending seq)",
    tags=["chat"],
    query=ThreadParams,
    response=Thread,
    errors=[404],
)
async def get_thread(request: web.Request) -> web.Response:
    org_id, message_id = path_uuid(request, "org"), path_uuid(request, "id")
    caller = await actor(request)
    params = parse_query(request, ThreadParams)
    query = ThreadQuery(message_id=message_id, before_seq=params.before_seq, limit=params.limit)
    return json_response(await threads.thread(services(request), caller, query, org_id))
