"""`/api/v1/notifications`, `/api/v1/me/notification-preferences` and
`/api/v1/orgs/{org}/activity`."""

from __future__ import annotations

from aiohttp import web

from protocol.common import Page
from protocol.notifications import (
    ActivityOut,
    ActivityQuery,
    NotificationPage,
    NotificationPreferences,
    NotificationPreferencesPut,
    NotificationQuery,
    NotificationRead,
    UnreadCount,
)

from ..services import feed, notifications
from .context import Context, actor, handler, services
from .json import json_response, parse_body, parse_query, path_uuid
from .openapi import api

routes = web.RouteTableDef()


@routes.get("/api/v1/notifications")
@api(
    "The caller's notifications, newest first, with the unread count",
    tags=["feed"],
    query=NotificationQuery,
    response=NotificationPage,
)
@handler
async def list_notifications(request: web.Request, ctx: Context) -> web.Response:
    query = parse_query(request, NotificationQuery)
    return json_response(await notifications.list_for(ctx.svc, ctx.caller, query))


@routes.post("/api/v1/notifications/read")
@api(
    "Mark notifications read (some ids, or all)",
    tags=["feed"],
    body=NotificationRead,
    response=UnreadCount,
)
@handler
async def read_notifications(request: web.Request, ctx: Context) -> web.Response:
    req = await parse_body(request, NotificationRead)
    return json_response(await notifications.mark_read(ctx.svc, ctx.caller, req))


@routes.get("/api/v1/me/notification-preferences")
@api(
    "The caller's channel for each notification type (in_app, email, off) and the defaults",
    tags=["feed"],
    response=NotificationPreferences,
)
@handler
async def get_notification_preferences(request: web.Request, ctx: Context) -> web.Response:
    return json_response(await notifications.preferences(ctx.svc, ctx.caller))


@routes.put("/api/v1/me/notification-preferences")
@api(
    "Set the caller's channel for some notification types: `in_app`, `email` (also in the "
    "mail digest) or `off` (not created at all); the types left out keep theirs",
    tags=["feed"],
    body=NotificationPreferencesPut,
    response=NotificationPreferences,
)
@handler
async def put_notification_preferences(request: web.Request, ctx: Context) -> web.Response:
    req = await parse_body(request, NotificationPreferencesPut)
    return json_response(await notifications.set_preferences(ctx.svc, ctx.caller, req))


@routes.get("/api/v1/orgs/{org}/activity")
@api(
    "Activity log of an organization, newest first",
    tags=["feed"],
    query=ActivityQuery,
    response=Page[ActivityOut],
    errors=[403, 404],
)
async def activity(request: web.Request) -> web.Response:
    org_id = path_uuid(request, "org")
    caller = await actor(request)
    query = parse_query(request, ActivityQuery)
    return json_response(await feed.list_activity(services(request), caller, org_id, query))
