"""Room names, and removing a user's sockets from a room on every process.

Room membership is per process in python-socketio; eviction therefore travels as a
reserved event on the manager's own pub/sub channel, which keeps it in order with the
emits published before and after it.
"""

from __future__ import annotations

import uuid
from typing import Any

import socketio

NAMESPACE = "/"
EVICT_EVENT = "__aurentia:evict"


def user_room(user_id: uuid.UUID) -> str:
    return f"user:{user_id}"


def org_room(org_id: uuid.UUID) -> str:
    return f"org:{org_id}"


async def _evict_local(manager: socketio.AsyncManager, data: dict[str, str]) -> None:
    sids = [sid for sid, _eio in manager.get_participants(NAMESPACE, data["from_room"])]
    for sid in sids:
        await manager.leave_room(sid, NAMESPACE, data["room"])


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
