"""Event dispatch: every client event is validated, answered with an ack, and never
allowed to drop the connection or leak a traceback.

An ack is `{ok: true, data}` or `{ok: false, error: {code, message, details?}}`, with the
codes of protocol/errors.py, the same as REST.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import socketio
from pydantic import BaseModel, ValidationError

from protocol.common import parse_payload
from protocol.errors import AppError, ErrorCode
from store.db import is_unavailable

from ..bus import wire
from ..logs import request_id_var
from ..ratelimit import rate_limited
from ..services.auth import Actor
from .session import SocketState, get_state

log = logging.getLogger("aurentia.realtime")

M = TypeVar("M", bound=BaseModel)
Handler = Callable[[SocketState, Any], Awaitable[Any]]


def actor_of(state: SocketState) -> Actor:
    """The authenticated user behind a socket, as the services take it."""
    return Actor(state.user_id, state.family_id, state.expires_at)


def ok(data: Any = None) -> dict[str, Any]:
    return {"ok": True, "data": wire(data) if data is not None else {}}


def failure(error: AppError) -> dict[str, Any]:
    body: dict[str, Any] = {"code": error.code.value, "message": error.message}
    if error.details is not None:
        body["details"] = error.details
    return {"ok": False, "error": body}


def _invalid(exc: ValidationError) -> AppError:
    details = [
        {"loc": ["data", *err["loc"]], "msg": err["msg"]}
        for err in exc.errors(include_url=False, include_input=False)
    ]
    return AppError(ErrorCode.VALIDATION_ERROR, "invalid payload", details)


def _validate(model: type[M], data: Any) -> M:
    try:
        return parse_payload(model, data)
    except ValidationError as exc:
        raise _invalid(exc) from None
    except TypeError:
        raise AppError(ErrorCode.VALIDATION_ERROR, "the payload is not plain JSON") from None


class Dispatcher:
    """Registers typed handlers on a python-socketio server."""

    def __init__(self, sio: socketio.AsyncServer, rate: float, burst: int) -> None:
        self._sio = sio
        self._rate, self._burst = rate, burst
        # Told of every accepted client event (presence uses it to notice activity).
        self.on_activity: Callable[[str], Awaitable[None]] | None = None
        self._events: dict[str, tuple[type[BaseModel] | None, Handler]] = {}
        sio.on("*", self._unknown)

    def on(
        self, event: str, model: type[M] | None
    ) -> Callable[[Callable[[SocketState, M], Awaitable[Any]]], Any]:
        def register(fn: Callable[[SocketState, M], Awaitable[Any]]) -> Any:
            self._events[event] = (model, fn)

            async def entry(sid: str, *args: Any) -> dict[str, Any]:
                return await self.run(event, sid, args)

            self._sio.on(event, entry)
            return fn

        return register

    async def run(self, event: str, sid: str, args: tuple[Any, ...]) -> dict[str, Any]:
        token = request_id_var.set(uuid.uuid4().hex[:16])
        try:
            model, handler = self._events[event]
            state = await get_state(self._sio, sid)
            if not state.take_token(self._rate, self._burst, time.monotonic()):
                raise rate_limited(max(1, math.ceil(1 / self._rate)))
            if self.on_activity is not None:
                await self.on_activity(sid)
            payload: Any = None
            if model is not None:
                if len(args) > 1:
                    raise AppError(ErrorCode.VALIDATION_ERROR, "send one payload object")
                payload = _validate(model, args[0] if args else {})
            return ok(await handler(state, payload))
        except AppError as exc:
            return failure(exc)
        except Exception as exc:
            if is_unavailable(exc):
                # A read outside `svc.tx()` lost the database: the same answer as a write.
                log.error("database unavailable", extra={"fields": {"event": event}})
                return failure(
                    AppError(ErrorCode.UNAVAILABLE, "the database is unavailable; retry")
                )
            log.exception("event failed", extra={"fields": {"event": event}})
            return failure(
                AppError(
                    ErrorCode.INTERNAL,
                    "the server failed to answer; quote the request id when reporting it",
                    {"request_id": request_id_var.get()},
                )
            )
        finally:
            request_id_var.reset(token)

    async def _unknown(self, event: str, sid: str, *args: Any) -> dict[str, Any]:
        return failure(AppError(ErrorCode.VALIDATION_ERROR, f"unknown event {event!r}"))
