"""Effects of a committed transaction: events to emit, rights to re-derive, sessions to end.

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

from .realtime.rooms import NAMESPACE, run_everywhere

log = logging.getLogger("aurentia.bus")


@dataclass(frozen=True)
class Emit:
    event: str
    data: Any
    room: str
    skip_sid: str | None = None


# Commands every process runs (server/realtime/live_rights.py handles them).
ACCESS_CHANGED = "access-changed"
SESSIONS_ENDED = "sessions-ended"


@dataclass(frozen=True)
class AccessChanged:
    """What some sockets may hear changed: every process re-derives the rooms of the
    sockets of `user_id` (when given) and of those in `room` (when given)."""

    org_id: uuid.UUID | None
    user_id: uuid.UUID | None = None
    room: str | None = None
    # The change tells its users itself (e.g. `channel:removed` to every reader of a
    # deleted channel): the re-check moves sockets between rooms without notices.
    silent: bool = False


@dataclass(frozen=True)
class SessionsEnded:
    """Sessions were revoked: the user's sockets of `family_id` (all of them when None)
    are told `auth:expired` and disconnected, on every process."""

    user_id: uuid.UUID
    family_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Deferred:
    """Work to run once committed, e.g. an emit whose payload must read committed state
    (an exact unread count)."""

    run: Callable[[], Awaitable[None]]


Effect = Emit | AccessChanged | SessionsEnded | Deferred


def wire(data: Any) -> Any:
    """JSON-ready form of a payload (pydantic models dumped in JSON mode)."""
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json")
    return data


def _command(effect: AccessChanged | SessionsEnded) -> dict[str, Any]:
    """A command's data as every process reads it: its fields, ids as text."""
    return {k: str(v) if isinstance(v, uuid.UUID) else v for k, v in vars(effect).items()}


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
                elif isinstance(effect, AccessChanged):
                    await run_everywhere(self._sio, ACCESS_CHANGED, _command(effect))
                elif isinstance(effect, SessionsEnded):
                    await run_everywhere(self._sio, SESSIONS_ENDED, _command(effect))
                else:
                    await effect.run()
            except Exception:
                self.failures += 1
                log.exception("publish failed", extra={"fields": {"effect": type(effect).__name__}})
