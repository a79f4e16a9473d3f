"""Socket.IO handlers of notifications and live project subscriptions."""

from __future__ import annotations

from protocol.errors import ErrorCode
from protocol.notifications import (
    NotificationListRequest,
    NotificationPage,
    NotificationQuery,
    NotificationRead,
    ProjectSubscription,
    UnreadCount,
)
from protocol.pushes import Empty

from ..services import feed, notifications
from .dispatch import Event, EventTable
from .rooms import join_org_room, leave_org_room, project_room

handlers = EventTable()


@handlers.on("notification:list", NotificationListRequest)
async def on_list(ev: Event, req: NotificationListRequest) -> NotificationPage:
    """A page of the user's notifications, newest first, with the unread count."""
    query = NotificationQuery(**req.model_dump())  # the same four fields
    return await notifications.list_for(ev.svc, ev.actor, query)


@handlers.on("notification:read", NotificationRead)
async def on_read(ev: Event, req: NotificationRead) -> UnreadCount:
    """Mark notifications read (`ids`, or `all: true`); answers the unread count."""
    return await notifications.mark_read(ev.svc, ev.actor, req, ev.sid)


@handlers.on(
    "project:subscribe",
    ProjectSubscription,
    ack=Empty,
    errors=(ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN),
)
async def on_subscribe(ev: Event, req: ProjectSubscription) -> dict[str, object]:
    """Live task and milestone events of a project the user may read."""
    org_id = await feed.readable_project(ev.svc, ev.actor, req.project_id)
    await join_org_room(ev.sio, ev.state, org_id, project_room(req.project_id))
    return {}


@handlers.on("project:unsubscribe", ProjectSubscription, ack=Empty)
async def on_unsubscribe(ev: Event, req: ProjectSubscription) -> dict[str, object]:
    """Stop hearing a project's task and milestone events."""
    for org_id, rooms in ev.state.org_rooms.items():
        if project_room(req.project_id) in rooms:
            await leave_org_room(ev.sio, ev.state, org_id, project_room(req.project_id))
            break
    return {}
