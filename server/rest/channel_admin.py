"""Managing channels over HTTP: organization channels, group details, the caller's mute
and a channel's pins."""

from __future__ import annotations

import uuid

from aiohttp import web

from protocol.chat import (
    ChannelInfo,
    ChannelRef,
    ChannelSettings,
    ChannelSettingsOut,
    GroupDetail,
    GroupUpdate,
    Message,
    OrgChannelUpdate,
)
from protocol.common import Page
from protocol.enums import ChannelType
from protocol.errors import AppError, ErrorCode

from ..services.chat import channel_admin, pins
from .context import actor, services
from .json import json_response, parse_body, path_uuid
from .openapi import api

routes = web.RouteTableDef()


def path_channel(request: web.Request, org_id: uuid.UUID) -> ChannelRef:
    """The channel named by the `{type}/{id}` of the path."""
    try:
        kind = ChannelType(request.match_info["type"])
    except ValueError:
        raise AppError(
            ErrorCode.VALIDATION_ERROR,
            "the request is invalid",
            [{"loc": ["path", "type"], "msg": "organization, project, group or direct"}],
        ) from None
    return ChannelRef(type=kind, id=path_uuid(request, "id"), organization_id=org_id)


@routes.patch("/api/v1/orgs/{org}/channels/{id}")
@api(
    "Rename, describe, archive or unarchive an organization channel",
    tags=["chat"],
    body=OrgChannelUpdate,
    response=ChannelInfo,
    errors=[403, 404, 409],
)
async def update_channel(request: web.Request) -> web.Response:
    org_id, channel_id = path_uuid(request, "org"), path_uuid(request, "id")
    caller = await actor(request)
    req = await parse_body(request, OrgChannelUpdate)
    info = await channel_admin.update_org_channel(
        services(request), caller, org_id, channel_id, req
    )
    return json_response(info)


@routes.delete("/api/v1/orgs/{org}/channels/{id}")
@api(
    "Delete an organization channel and its messages",
    tags=["chat"],
    status=204,
    errors=[403, 404],
)
async def delete_channel(request: web.Request) -> web.Response:
    org_id, channel_id = path_uuid(request, "org"), path_uuid(request, "id")
    caller = await actor(request)
    await channel_admin.delete_org_channel(services(request), caller, org_id, channel_id)
    return web.Response(status=204)


@routes.get("/api/v1/orgs/{org}/groups/{group}")
@api("A group chat with its members", tags=["chat"], response=GroupDetail, errors=[404])
async def get_group(request: web.Request) -> web.Response:
    org_id, group_id = path_uuid(request, "org"), path_uuid(request, "group")
    caller = await actor(request)
    return json_response(await channel_admin.get_group(services(request), caller, org_id, group_id))


@routes.patch("/api/v1/orgs/{org}/groups/{group}")
@api(
    "Rename or describe a group chat",
    tags=["chat"],
    body=GroupUpdate,
    response=ChannelInfo,
    errors=[404],
)
async def update_group(request: web.Request) -> web.Response:
    org_id, group_id = path_uuid(request, "org"), path_uuid(request, "group")
    caller = await actor(request)
    req = await parse_body(request, GroupUpdate)
    info = await channel_admin.update_group(services(request), caller, org_id, group_id, req)
    return json_response(info)


@routes.put("/api/v1/orgs/{org}/channels/{type}/{id}/settings")
@api(
    "The caller's own settings of a channel (muted: notified only when mentioned)",
    tags=["chat"],
    body=ChannelSettings,
    response=ChannelSettingsOut,
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
    response=Page[Message],
    path={"type": ChannelType},
    errors=[404],
)
async def list_pins(request: web.Request) -> web.Response:
    org_id = path_uuid(request, "org")
    caller = await actor(request)
    items = await pins.list_pins(services(request), caller, path_channel(request, org_id))
    return json_response({"items": items, "next_cursor": None})
