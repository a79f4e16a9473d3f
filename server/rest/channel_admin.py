"""Managing channels over HTTP: organization channels, group details, the caller's mute
and a channel's pins."""

from __future__ import annotations

import uuid

from aiohttp import web

from protocol import chat as p
from protocol.chat import ChannelSettings
from protocol.common import Page
from protocol.enums import ChannelType

from ..services.chat import channel_admin, pins
from .context import actor, services
from .json import invalid, json_response, parse_body, path_uuid
from .openapi import api
from .resource import Op, Serve

routes = web.RouteTableDef()
serve = Serve(routes, tags=["chat"])
ORG = "/api/v1/orgs/{org}"


def path_channel(request: web.Request, org_id: uuid.UUID) -> p.ChannelRef:
    """The channel named by the `{type}/{id}` of the path."""
    try:
        kind = ChannelType(request.match_info["type"])
    except ValueError:
        raise invalid(["path", "type"], "organization, project, group or direct") from None
    return p.ChannelRef(type=kind, id=path_uuid(request, "id"), organization_id=org_id)


serve.patch(
    ORG + "/channels/{id}",
    Op(
        "Rename, describe, archive or unarchive an organization channel",
        [403, 404, 409],
        call=channel_admin.update_org_channel,
    ),
    body=p.OrgChannelUpdate,
    out=p.ChannelInfo,
    name="update_channel",
    path_first=True,
)
serve.delete(
    ORG + "/channels/{id}",
    Op(
        "Delete an organization channel and its messages",
        [403, 404],
        call=channel_admin.delete_org_channel,
    ),
    status=204,
    name="delete_channel",
    path_first=True,
)
serve.get(
    ORG + "/groups/{group}",
    Op("A group chat with its members", [404], call=channel_admin.get_group),
    out=p.GroupDetail,
    path_first=True,
)
serve.patch(
    ORG + "/groups/{group}",
    Op("Rename or describe a group chat", [404], call=channel_admin.update_group),
    body=p.GroupUpdate,
    out=p.ChannelInfo,
    path_first=True,
)


@routes.put("/api/v1/orgs/{org}/channels/{type}/{id}/settings")
@api(
    "The caller's own settings of a channel (muted: notified only when mentioned)",
    tags=["chat"],
    body=ChannelSettings,
    response=p.ChannelSettingsOut,
    path={"type": ChannelType},
    errors=[404],
)
async def put_settings(request: web.Request) -> web.Response:
    org_id = path_uuid(request, "org")
    caller = await actor(request)
    ref = path_channel(request, org_id)
    req = await parse_body(request, ChannelSettings)
    return json_response(await channel_admin.set_settings(services(request), caller, ref, req))


@routes.get("/api/v1/orgs/{org}/channels/{type}/{id}/pins")
@api(
    "The pinned messages of a channel, the latest pinned first",
    tags=["chat"],
    response=Page[p.Message],
    path={"type": ChannelType},
    errors=[404],
)
async def list_pins(request: web.Request) -> web.Response:
    org_id = path_uuid(request, "org")
    caller = await actor(request)
    items = await pins.list_pins(services(request), caller, path_channel(request, org_id))
    return json_response({"items": items, "next_cursor": None})
