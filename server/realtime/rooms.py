"""Room names, joining rooms on behalf of an organization, and removing a user's
sockets from rooms on every process.

Room membership is per process in python-socketio; eviction therefore travels as a
reserved event on the manager's own pub/sub channel, which keeps it in order with the
emits published before and after it. Every room a socket enters for an organization
(channels, project subscriptions) is remembered in its state, so that removing a member
from the organization's room also takes them out of all of those at once.
"""

from __future__ import annotations

import uuid
from typing import Any

import socketio

from protocol.errors import AppError

from .session import SocketState, get_state

NAMESPACE = "/"
EVICT_EVENT = "__aurentia:evict"


def user_room(user_id: uuid.UUID) -> str:
    return f"user:{user_id}"


def org_room(org_id: uuid.UUID) -> str:
    return f"org:{org_id}"


def channel_room(kind: str, channel_id: uuid.UUID) -> str:
    """Room of an organization, project or group channel (direct messages go to the two
    users' own rooms instead)."""
    return f"chan:{kind}:{channel_id}"


def project_room(project_id: uuid.UUID) -> str:
    """Sockets subscribed to a project's live task and milestone events."""
    return f"project:{project_id}"


async def join_org_room(
    sio: socketio.AsyncServer, state: SocketState, org_id: uuid.UUID, room: str
) -> None:
    """Enter `room` as part of `org_id`: leaving the organization leaves it too."""
    await sio.enter_room(state.sid, room)
    state.org_rooms.setdefault(org_id, set()).add(room)


async def leave_org_room(
    sio: socketio.AsyncServer, state: SocketState, org_id: uuid.UUID, room: str
) -> None:
    await sio.leave_room(state.sid, room)
    state.org_rooms.get(org_id, set()).discard(room)


async def _evict_local(manager: socketio.AsyncManager, data: dict[str, str]) -> None:
    room = data["room"]
    org_id = uuid.UUID(room.removeprefix("org:")) if room.startswith("org:") else None
    sids = [sid for sid, _eio in manager.get_participants(NAMESPACE, data["from_room"])]
    for sid in sids:
        await manager.leave_room(sid, NAMESPACE, room)
        if org_id is None:
            continue
        try:
            state = await get_state(manager.server, sid)
        except AppError:
            continue
        for joined in state.org_rooms.pop(org_id, set()):
            await manager.leave_room(sid, NAMESPACE, joined)


class ClusterRedisManager(socketio.AsyncRedisManager):  # type: ignore[misc]
    """The Redis manager, plus the eviction command handled on every process."""

    async def _handle_emit(self, message: dict[str, Any]) -> None:
        if message.get("event") == EVICT_EVENT:
            await _evict_local(self, message["data"][0])
            return
        await super()._handle_emit(message)


async def evict_user(sio: socketio.AsyncServer, user_id: uuid.UUID, room: str) -> None:
    """Take every socket of `user_id`, on any process, out of `room` now."""
    data = {"from_room": user_room(user_id), "room": room}
    if isinstance(sio.manager, ClusterRedisManager):
        await sio.manager.emit(EVICT_EVENT, data, namespace=NAMESPACE)
    else:
        await _evict_local(sio.manager, data)
