"""Connection lifecycle: token check at connect, rooms, the `session` event, token
refresh while connected, and disconnection when the token expires unrefreshed."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import socketio

from protocol import events
from protocol.errors import AppError, ErrorCode
from protocol.realtime import AuthRefresh, AuthRefreshed, SessionInfo
from store.db import is_unavailable

from ..audience import base_rooms
from ..auth.tokens import unauthorized
from ..drain import Drain
from ..logs import fresh_request_id
from ..metrics import connected_sockets
from ..services.core import Services
from ..services.identity import auth
from .dispatch import Event, EventTable, failure
from .pings import NO_CONTEXT
from .presence import Presence
from .session import SocketState, get_state, save_state

log = logging.getLogger("aurentia.realtime")
access_log = logging.getLogger("aurentia.access")


def refuse(
    message: str, code: ErrorCode = ErrorCode.UNAUTHORIZED, details: Any = None
) -> socketio.exceptions.ConnectionRefusedError:
    """The client's `connect_error` gets `data = {code, message, details?}`, the `error`
    of a failed ack."""
    data = failure(AppError(code, message, details))["error"]
    return socketio.exceptions.ConnectionRefusedError(message, data)


async def _check_socket_cap(presence: Presence, user_id: uuid.UUID, cap: int) -> None:
    """At most `cap` sockets per user, counted on every process (the presence store).
    Two connections racing past the count can both get in: the cap bounds abuse, it is
    not a quota."""
    if await presence.connection_count(user_id) >= cap:
        raise refuse(
            f"too many open connections for this user (at most {cap}); close one first",
            ErrorCode.RATE_LIMITED,
            {"max_sockets_per_user": cap},
        )


def setup(
    sio: socketio.AsyncServer,
    services: Callable[[], Services],
    presence: Callable[[], Presence],
    drain: Drain,
) -> Callable[[SocketState], None]:
    """Handle connections and disconnections; answers how to re-arm a socket's expiry."""
    expiring: set[asyncio.Task[None]] = set()

    async def expire(state: SocketState) -> None:
        await sio.emit(
            events.AUTH_EXPIRED,
            {"message": "access token expired; reconnect with a fresh token"},
            to=state.sid,
        )
        await sio.disconnect(state.sid)

    def start_expiry(state: SocketState) -> None:
        task = asyncio.create_task(expire(state))
        expiring.add(task)
        task.add_done_callback(expiring.discard)

    def schedule_expiry(state: SocketState) -> None:
        if state.expiry is not None:
            state.expiry.cancel()
        delay = max((state.expires_at - datetime.now(UTC)).total_seconds(), 0)
        # Not in a copy of the connect's context (its request id and the rest), which
        # the timer would hold for the token's lifetime.
        loop = asyncio.get_running_loop()
        state.expiry = loop.call_later(delay, start_expiry, state, context=NO_CONTEXT)

    async def connect(sid: str, environ: dict[str, Any], auth_data: Any = None) -> None:
        with fresh_request_id():
            try:
                await accept(sid, auth_data)
            except socketio.exceptions.ConnectionRefusedError as exc:
                data = exc.error_args.get("data") or {}
                access_log.info(
                    "connect refused", extra={"fields": {"sid": sid, "outcome": data.get("code")}}
                )
                raise

    async def accept(sid: str, auth_data: Any) -> None:
        token = auth_data.get("token") if isinstance(auth_data, dict) else None
        if not isinstance(token, str) or not token:
            raise refuse("missing token: connect with auth = {token}")
        svc = services()
        if drain.draining:
            raise refuse("the server is restarting; reconnect", ErrorCode.UNAVAILABLE)
        try:
            actor, orgs = await auth.connect_identity(svc, token)
            await _check_socket_cap(presence(), actor.user_id, svc.settings.max_sockets_per_user)
        except AppError as exc:
            raise refuse(exc.message, exc.code) from None
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            raise refuse("the database is unavailable; retry", ErrorCode.UNAVAILABLE) from None
        state = SocketState(sid, actor.user_id, actor.family_id, actor.expires_at)
        state.roles = {org.id: org.role for org in orgs}
        await save_state(sio, state)
        for room in sorted(base_rooms(actor.user_id, state.roles)):
            await sio.enter_room(sid, room)
        schedule_expiry(state)
        info = SessionInfo(
            user_id=actor.user_id,
            organizations=orgs,
            server_time=datetime.now(UTC),
            expires_at=actor.expires_at,
        )
        await sio.emit(events.SESSION, info.model_dump(mode="json"), to=sid)
        await presence().connected(sid, actor.user_id)
        connected_sockets.inc()
        fields = {"sid": sid, "user_id": str(actor.user_id), "outcome": "ok"}
        access_log.info("connect", extra={"fields": fields})

    async def disconnect(sid: str, *reason: Any) -> None:
        with fresh_request_id():
            await presence().disconnected(sid)
            try:
                state = await get_state(sio, sid)
            except AppError:
                return
            connected_sockets.dec()
            why = str(reason[0]) if reason else None
            fields = {"sid": sid, "user_id": str(state.user_id), "reason": why}
            access_log.info("disconnect", extra={"fields": fields})
            if state.expiry is not None:
                state.expiry.cancel()
            for _, task in state.typing.values():
                task.cancel()

    sio.on("connect", connect)
    sio.on("disconnect", disconnect)

    return schedule_expiry


handlers = EventTable()


@handlers.on(events.AUTH_REFRESH, AuthRefresh, errors=(ErrorCode.UNAUTHORIZED,))
async def on_auth_refresh(ev: Event, req: AuthRefresh) -> AuthRefreshed:
    """Extend the connection with a fresh access token of the same user (obtained
    with `POST /api/v1/auth/refresh`) before the current one expires."""
    actor = await auth.identify(ev.svc, req.token)
    if actor.user_id != ev.state.user_id:
        raise unauthorized("token belongs to another user")
    ev.state.expires_at = actor.expires_at
    ev.state.family_id = actor.family_id
    ev.live.schedule_expiry(ev.state)
    return AuthRefreshed(expires_at=actor.expires_at)
