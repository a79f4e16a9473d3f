"""Socket.IO handlers of notifications and live project subscriptions."""

from __future__ import annotations

from collections.abc import Callable

import socketio

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
from ..services.core import Services
from .dispatch import Dispatcher, actor_of
from .rooms import join_org_room, leave_org_room, project_room
from .session import SocketState


def setup(
    sio: socketio.AsyncServer, dispatcher: Dispatcher, services: Callable[[], Services]
) -> None:
    @dispatcher.on("notification:list", NotificationListRequest)
    async def on_list(state: SocketState, req: NotificationListRequest) -> NotificationPage:
        """A page of the user's notifications, newest first, with the unread count."""
        query = NotificationQuery(
            cursor=req.cursor,
            limit=req.limit,
            unread_only=req.unread_only,
            organization_id=req.organization_id,
        )
        return await notifications.list_for(services(), actor_of(state), query)

    @dispatcher.on("notification:read", NotificationRead)
    async def on_read(state: SocketState, req: NotificationRead) -> UnreadCount:
        """Mark notifications read (`ids`, or `all: true`); answers the unread count."""
        return await notifications.mark_read(services(), actor_of(state), req, state.sid)

    @dispatcher.on(
        "project:subscribe",
        ProjectSubscription,
        ack=Empty,
        errors=(ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN),
    )
    async def on_subscribe(state: SocketState, req: ProjectSubscription) -> dict[str, object]:
        """Live task and milestone events of a project the user may read."""
        org_id = await feed.readable_project(services(), actor_of(state), req.project_id)
        await join_org_room(sio, state, org_id, project_room(req.project_id))
        return {}

    @dispatcher.on("project:unsubscribe", ProjectSubscription, ack=Empty)
    async def on_unsubscribe(state: SocketState, req: ProjectSubscription) -> dict[str, object]:
        """Stop hearing a project's task and milestone events."""
        for org_id, rooms in state.org_rooms.items():
            if project_room(req.project_id) in rooms:
                await leave_org_room(sio, state, org_id, project_room(req.project_id))
                break
        return {}
