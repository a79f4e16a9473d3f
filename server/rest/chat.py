"""`/api/v1/orgs/{org}/channels`, groups and message history over HTTP."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from protocol import chat as p
from protocol.common import Page

from ..actor import Actor
from ..services.chat import groups, messages
from ..services.core import Services
from .resource import Op, Serve

routes = web.RouteTableDef()
serve = Serve(routes, tags=["chat"], path_first=True)
ORG = "/api/v1/orgs/{org}"


class HistoryParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    before_seq: p.Seq | None = None
    after_seq: p.Seq | None = None
    limit: int = Field(default=50, ge=1, le=100)


serve.get(
    ORG + "/channels",
    Op("Channels the caller can see, with unread counts", [404], call=groups.list_channels),
    out=Page[p.ChannelState],
)
serve.post(
    ORG + "/channels",
    Op("Create an organization channel", [403, 404, 409], call=groups.create_org_channel),
    body=p.OrgChannelCreate,
    out=p.ChannelInfo,
    status=201,
    name="create_channel",
)
serve.post(
    ORG + "/groups",
    Op("Create a group chat", [404, 409], call=groups.create_group),
    body=p.GroupCreate,
    out=p.ChannelInfo,
    status=201,
)


serve.post(
    ORG + "/groups/{group}/members",
    Op("Add a member to a group chat", [404, 409], call=groups.add_group_member),
    body=p.GroupMemberAdd,
    out=p.ChannelInfo,
    status=201,
)
serve.delete(
    ORG + "/groups/{group}/members/{user}",
    Op(
        "Remove a member from a group chat, or leave it",
        [403, 404],
        call=groups.remove_group_member,
    ),
)


async def history(
    svc: Services, caller: Actor, channel: p.ChannelRef, params: HistoryParams
) -> dict[str, Any]:
    query = p.HistoryQuery(channel=channel, **params.model_dump())
    return await messages.history(svc, caller, query)


serve.get(
    ORG + "/channels/{type}/{id}/messages",
    Op("Message history of a channel", [404], call=history),
    query=HistoryParams,
    out=p.History,
)
