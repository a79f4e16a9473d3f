"""`/api/v1/notifications` and `/api/v1/orgs/{org}/activity`."""

from __future__ import annotations

from aiohttp import web

from protocol.notifications import ActivityQuery, NotificationQuery, NotificationRead

from ..services import feed, notifications
from .context import actor, services
from .json import json_response, parse_body, parse_query, path_uuid

routes = web.RouteTableDef()


@routes.get("/api/v1/notifications")
async def list_notifications(request: web.Request) -> web.Response:
    caller = await actor(request)
    query = parse_query(request, NotificationQuery)
    return json_response(await notifications.list_for(services(request), caller, query))


@routes.post("/api/v1/notifications/read")
async def read_notifications(request: web.Request) -> web.Response:
    caller = await actor(request)
    req = await parse_body(request, NotificationRead)
    return json_response(await notifications.mark_read(services(request), caller, req))


@routes.get("/api/v1/orgs/{org}/activity")
async def activity(request: web.Request) -> web.Response:
    org_id = path_uuid(request, "org")
    caller = await actor(request)
    query = parse_query(request, ActivityQuery)
    return json_response(await feed.list_activity(services(request), caller, org_id, query))
