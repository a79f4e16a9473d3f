"""`/api/v1/notifications`, `/api/v1/me/notification-preferences` and
`/api/v1/orgs/{org}/activity`."""

from __future__ import annotations

from aiohttp import web

from protocol import notifications as p
from protocol.common import Page

from ..services import feed, notifications
from .resource import Op, Serve

routes = web.RouteTableDef()
serve = Serve(routes, tags=["feed"])

PREFERENCES = "/api/v1/me/notification-preferences"

serve.get(
    "/api/v1/notifications",
    Op(
        "The caller's notifications, newest first, with the unread count",
        call=notifications.list_for,
    ),
    query=p.NotificationQuery,
    out=p.NotificationPage,
    name="list_notifications",
)
serve.post(
    "/api/v1/notifications/read",
    Op("Mark notifications read (some ids, or all)", call=notifications.mark_read),
    body=p.NotificationRead,
    out=p.UnreadCount,
    name="read_notifications",
)
serve.get(
    PREFERENCES,
    Op(
        "The caller's channel for each notification type (in_app, email, off) and the defaults",
        call=notifications.preferences,
    ),
    out=p.NotificationPreferences,
    name="get_notification_preferences",
)
serve.put(
    PREFERENCES,
    Op(
        "Set the caller's channel for some notification types: `in_app`, `email` (also in the "
        "mail digest) or `off` (not created at all); the types left out keep theirs",
        call=notifications.set_preferences,
    ),
    body=p.NotificationPreferencesPut,
    out=p.NotificationPreferences,
    name="put_notification_preferences",
)
serve.get(
    "/api/v1/orgs/{org}/activity",
    Op("Activity log of an organization, newest first", [403, 404], call=feed.list_activity),
    query=p.ActivityQuery,
    out=Page[p.ActivityOut],
    name="activity",
    path_first=True,
)
