"""What the server remembers about one connected socket (per process, in memory)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import datetime

import socketio

from protocol.enums import MemberRole
from protocol.errors import AppError, ErrorCode


@dataclass(slots=True)
class SocketState:
    sid: str
    user_id: uuid.UUID
    family_id: uuid.UUID | None
    expires_at: datetime
    # Fires when the access token expires: a timer, not a sleeping task, since every idle
    # socket holds one (a task and its frame cost about a kilobyte more).
    expiry: asyncio.TimerHandle | None = field(default=None, repr=False)
    # The memberships the socket's rooms were last derived from (server/audience.py).
    roles: dict[uuid.UUID, MemberRole] = field(default_factory=dict)
    # Rooms entered on behalf of each organization (channels, project subscriptions).
    org_rooms: dict[uuid.UUID, set[str]] = field(default_factory=dict)
    # Token bucket of the event rate limit.
    tokens: float = -1.0
    refilled_at: float = 0.0
    # Per channel key: when typing was last forwarded, and the task that ends it.
    typing: dict[str, tuple[float, asyncio.Task[None]]] = field(default_factory=dict)

    def take_token(self, rate: float, burst: int, now: float) -> bool:
        """One event against the bucket; False when the socket is over its rate."""
        if self.tokens < 0:
            self.tokens, self.refilled_at = float(burst), now
        self.tokens = min(float(burst), self.tokens + (now - self.refilled_at) * rate)
        self.refilled_at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


async def save_state(sio: socketio.AsyncServer, state: SocketState) -> None:
    """The state is the socket's Socket.IO session itself, not a value in a dict (one
    dict less per idle connection: python-socketio stores whatever it is given)."""
    await sio.save_session(state.sid, state)


async def get_state(sio: socketio.AsyncServer, sid: str) -> SocketState:
    try:
        state = await sio.get_session(sid)
    except KeyError:
        state = None
    if not isinstance(state, SocketState):
        raise AppError(ErrorCode.UNAUTHORIZED, "not authenticated")
    return state
