"""What the server remembers about one connected socket (per process, in memory)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import datetime

import socketio

from protocol.errors import AppError, ErrorCode

STATE_KEY = "aurentia"


@dataclass
class SocketState:
    sid: str
    user_id: uuid.UUID
    family_id: uuid.UUID | None
    expires_at: datetime
    expiry_task: asyncio.Task[None] | None = field(default=None, repr=False)


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
