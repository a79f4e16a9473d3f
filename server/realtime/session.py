"""What the server remembers about one connected socket (per process, in memory)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import datetime

import socketio

from protocol.enums import MemberRole
from protocol.errors import AppError, ErrorCode

STATE_KEY = "aurentia"


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
    await sio.save_session(state.sid, {STATE_KEY: state})


async def get_state(sio: socketio.AsyncServer, sid: str) -> SocketState:
    try:
        session = await sio.get_session(sid)
    except KeyError:
        session = {}
    state = session.get(STATE_KEY)
    if not isinstance(state, SocketState):
        raise AppError(ErrorCode.UNAUTHORIZED, "not authenticated")
    return state
