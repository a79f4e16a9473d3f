"""`/api/v1/orgs/{org}/channels`, groups and message history over HTTP."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from protocol import chat as p
from protocol.common import Page
from protocol.enums import ChannelType

from ..services.chat import groups, messages
from .channel_admin import path_channel
from .context import actor, services
from .json import json_response, parse_query, path_uuid
from .openapi import api
from .resource import Op, Serve

routes = web.RouteTableDef()
serve = Serve(routes, tags=["chat"])
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
    path_first=True,
)
serve.post(
    ORG + "/channels",
    Op("Create an organization channel", [403, 404, 409], call=groups.create_org_channel),
    body=p.OrgChannelCreate,
    out=p.ChannelInfo,
    status=201,
    name="create_channel",
    path_first=True,
)
serve.post(
    ORG + "/groups",
    Op("Create a group chat", [404, 409], call=groups.create_group),
    body=p.GroupCreate,
    out=p.ChannelInfo,
    status=201,
    path_first=True,
)


serve.post(
    ORG + "/groups/{group}/members",
    Op("Add a member to a group chat", [404, 409], call=groups.add_group_member),
    body=p.GroupMemberAdd,
    out=p.ChannelInfo,
    status=201,
    path_first=True,
)
serve.delete(
    ORG + "/groups/{group}/members/{user}",
    Op(
        "Remove a member from a group chat, or leave it",
        [403, 404],
        call=groups.remove_group_member,
    ),
    status=204,
    path_first=True,
)


@routes.get("/api/v1/orgs/{org}/channels/{type}/{id}/messages")
@api(
    "Message history of a channel",
    tags=["chat"],
    query=HistoryParams,
    response=p.History,
    path={"type": ChannelType},
    errors=[404],
)
async def history(request: web.Request) -> web.Response:
    org_id = path_uuid(request, "org")
    caller = await actor(request)
    params = parse_query(request, HistoryParams)
    query = p.HistoryQuery(channel=path_channel(request, org_id), **params.model_dump())
    return json_response(await messages.history(services(request), caller, query))
