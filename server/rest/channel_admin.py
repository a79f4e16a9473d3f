"""Managing channels over HTTP: organization channels, group details, the caller's mute
and a channel's pins."""

from __future__ import annotations

from aiohttp import web

from protocol import chat as p
from protocol.chat import ChannelSettings
from protocol.common import Page

from ..services.chat import channel_admin, pins
from .resource import Op, Serve

routes = web.RouteTableDef()
serve = Serve(routes, tags=["chat"], path_first=True)
ORG = "/api/v1/orgs/{org}"


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
)
serve.delete(
    ORG + "/channels/{id}",
    Op(
        "Delete an organization channel and its messages",
        [403, 404],
        call=channel_admin.delete_org_channel,
    ),
    name="delete_channel",
)
serve.get(
    ORG + "/groups/{group}",
    Op("A group chat with its members", [404], call=channel_admin.get_group),
    out=p.GroupDetail,
)
serve.patch(
    ORG + "/groups/{group}",
    Op("Rename or describe a group chat", [404], call=channel_admin.update_group),
    body=p.GroupUpdate,
    out=p.ChannelInfo,
)


serve.put(
    ORG + "/channels/{type}/{id}/settings",
    Op(
        "The caller's own settings of a channel (muted: notified only when mentioned)",
        [404],
        call=channel_admin.set_settings,
    ),
    body=ChannelSettings,
    out=p.ChannelSettingsOut,
    name="put_settings",
)
serve.get(
    ORG + "/channels/{type}/{id}/pins",
    Op("The pinned messages of a channel, the latest pinned first", [404], call=pins.list_pins),
    out=Page[p.Message],
)
