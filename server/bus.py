"""Effects of a committed transaction: events to emit and sockets to move.

Services queue effects while their transaction runs; the bus sends them only after the
commit, so no client ever hears of a change that was rolled back. Publishing never
raises: the change is already durable, and clients that miss an event catch up through
`sync` and reloads.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import socketio
from pydantic import BaseModel

from .realtime.rooms import NAMESPACE, evict_user

log = logging.getLogger("aurentia.bus")


@dataclass(frozen=True)
class Emit:
    event: str
    data: Any
    room: str
    skip_sid: str | None = None


@dataclass(frozen=True)
class Evict:
    user_id: uuid.UUID
    room: str


@dataclass(frozen=True)
class Deferred:
    """Work to run once committed, e.g. an emit whose payload must read committed state
    (an exact unread count)."""

    run: Callable[[], Awaitable[None]]


Effect = Emit | Evict | Deferred


def wire(data: Any) -> Any:
    """JSON-ready form of a payload (pydantic models dumped in JSON mode)."""
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json")
    return data


class Bus:
    def __init__(self, sio: socketio.AsyncServer) -> None:
        self._sio = sio
        self.failures = 0

    async def publish(self, effects: list[Effect]) -> None:
        for effect in effects:
            try:
                if isinstance(effect, Emit):
                    await self._sio.emit(
                        effect.event,
                        wire(effect.data),
                        room=effect.room,
                        skip_sid=effect.skip_sid,
                        namespace=NAMESPACE,
                    )
                elif isinstance(effect, Evict):
                    await evict_user(self._sio, effect.user_id, effect.room)
                else:
                    await effect.run()
            except Exception:
                self.failures += 1
                log.exception("publish failed", extra={"fields": {"effect": type(effect).__name__}})
