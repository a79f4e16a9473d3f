"""Event dispatch: every client event is validated, answered with an ack, and never
allowed to drop the connection or leak a traceback.

An ack is `{ok: true, data}` or `{ok: false, error: {code, message, details?}}`, with the
codes of protocol/errors.py, the same as REST.
"""

from __future__ import annotations

import inspect
import logging
import math
import time
import typing
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import socketio
from pydantic import BaseModel, ValidationError

from protocol.common import TooDeep, parse_payload
from protocol.errors import AppError, ErrorCode, validation_error
from store.db import is_unavailable

from .. import metrics
from ..actor import Actor
from ..bus import wire
from ..drain import Drain
from ..logs import fresh_request_id
from ..ratelimit import rate_limited
from ..rest.json import field_errors
from ..services.core import Services, database_unavailable
from .presence import Presence
from .session import SocketState, get_state

log = logging.getLogger("aurentia.realtime")
access_log = logging.getLogger("aurentia.access")
UNKNOWN_EVENT = "(unknown)"

M = TypeVar("M", bound=BaseModel)
Handler = Callable[[SocketState, Any], Awaitable[Any]]
F = TypeVar("F", bound=Callable[..., Awaitable[Any]])
# Codes any event can answer: a bad payload, too fast, the database away, a server fault.
COMMON_ERRORS = frozenset(
    {ErrorCode.VALIDATION_ERROR, ErrorCode.RATE_LIMITED, ErrorCode.UNAVAILABLE, ErrorCode.INTERNAL}
)


@dataclass(frozen=True)
class ClientEvent:
    """What one client-to-server event takes and acknowledges, for the AsyncAPI document
    (server/realtime/asyncapi.py): read from the registration, never by the handler.

    `summary` is the handler's docstring; `ack` the model of the ack's `data` (the
    handler's return annotation unless given); `errors` the codes its ack can carry."""

    name: str
    payload: type[BaseModel] | None
    ack: type[BaseModel] | None
    summary: str | None
    errors: frozenset[ErrorCode]


def _ack_model(fn: Callable[..., Any]) -> type[BaseModel] | None:
    """The handler's return annotation when it is a pydantic model."""
    try:
        answer = typing.get_type_hints(fn).get("return")
    except (NameError, TypeError):
        return None
    return answer if isinstance(answer, type) and issubclass(answer, BaseModel) else None


def _client_event(
    event: str,
    model: type[BaseModel] | None,
    ack: type[BaseModel] | None,
    errors: Iterable[ErrorCode],
    fn: Callable[..., Any],
) -> ClientEvent:
    """What `on(event, model, ack=, errors=)` declares of handler `fn` (ClientEvent)."""
    summary = inspect.getdoc(fn)
    return ClientEvent(event, model, ack or _ack_model(fn), summary, COMMON_ERRORS | set(errors))


@dataclass(frozen=True)
class Live:
    """What socket handlers reach besides their own socket; one per application."""

    sio: socketio.AsyncServer
    services: Callable[[], Services]
    presence: Callable[[], Presence]
    # Re-arms the socket's disconnection at its token's expiry (server/realtime/connection.py).
    schedule_expiry: Callable[[SocketState], None]


@dataclass(frozen=True)
class Event:
    """One client event being handled: the socket it came from and the live server."""

    live: Live
    state: SocketState

    @property
    def sid(self) -> str:
        return self.state.sid

    @property
    def actor(self) -> Actor:
        """The authenticated user behind the socket, as the services take it."""
        state = self.state
        return Actor(state.user_id, state.family_id, state.expires_at)

    @property
    def svc(self) -> Services:
        return self.live.services()

    @property
    def sio(self) -> socketio.AsyncServer:
        return self.live.sio


EventHandler = Callable[[Event, Any], Awaitable[Any]]


class EventTable:
    """Client events declared at module level, like aiohttp's `RouteTableDef`:

        handlers = EventTable()

        @handlers.on("message:send", MessageSend, errors=ACCESS)
        async def on_send(ev: Event, req: MessageSend) -> Message:
            \"\"\"What the event does (its AsyncAPI description).\"\"\"

    `Dispatcher.include(handlers, live)` registers them; the arguments of `on` are those
    of `Dispatcher.on`."""

    def __init__(self) -> None:
        self._declared: list[tuple[ClientEvent, EventHandler]] = []

    def on(
        self,
        event: str,
        model: type[BaseModel] | None,
        *,
        ack: type[BaseModel] | None = None,
        errors: Iterable[ErrorCode] = (),
    ) -> Callable[[F], F]:
        def declare(fn: F) -> F:
            self._declared.append((_client_event(event, model, ack, errors, fn), fn))
            return fn

        return declare

    def __iter__(self) -> Iterator[tuple[ClientEvent, EventHandler]]:
        return iter(self._declared)


def ok(data: Any = None) -> dict[str, Any]:
    return {"ok": True, "data": wire(data) if data is not None else {}}


def failure(error: AppError) -> dict[str, Any]:
    body: dict[str, Any] = {"code": error.code.value, "message": error.message}
    if error.details is not None:
        body["details"] = error.details
    return {"ok": False, "error": body}


def _validate(model: type[M], data: Any, max_depth: int) -> M:
    try:
        return parse_payload(model, data, max_depth=max_depth)
    except TooDeep as exc:
        raise AppError(ErrorCode.VALIDATION_ERROR, str(exc)) from None
    except ValidationError as exc:
        raise validation_error(field_errors(exc, "data"), "invalid payload") from None
    except TypeError:
        raise AppError(ErrorCode.VALIDATION_ERROR, "the payload is not plain JSON") from None


class Dispatcher:
    """Registers typed handlers on a python-socketio server.

    Every event, known or not, is answered once and leaves one access log line and one
    count in `aurentia_socket_events_total{event,outcome}` (outcome: `ok` or the error
    code), with its time to ack; lines logged while it runs carry its id. Events are
    tracked in flight so that shutdown lets them answer, and refused once it has begun.
    """

    def __init__(
        self,
        sio: socketio.AsyncServer,
        rate: float,
        burst: int,
        drain: Drain,
        *,
        max_json_depth: int,
    ) -> None:
        self._sio = sio
        self._rate, self._burst = rate, burst
        self._max_json_depth = max_json_depth
        self._drain = drain
        # Told of every accepted client event (presence uses it to notice activity).
        self.on_activity: Callable[[str], Awaitable[None]] | None = None
        self._events: dict[str, tuple[type[BaseModel] | None, Handler]] = {}
        self._described: dict[str, ClientEvent] = {}
        sio.on("*", self._unknown)

    def on(
        self,
        event: str,
        model: type[M] | None,
        *,
        ack: type[BaseModel] | None = None,
        errors: Iterable[ErrorCode] = (),
    ) -> Callable[[Callable[[SocketState, M], Awaitable[Any]]], Any]:
        """Register the handler of `event`. Its docstring describes the event in the
        AsyncAPI document; `ack` names the ack data's model when the return annotation is
        not one; `errors` lists the codes it answers besides `COMMON_ERRORS`."""

        def register(fn: Callable[[SocketState, M], Awaitable[Any]]) -> Any:
            self._register(_client_event(event, model, ack, errors, fn), fn)
            return fn

        return register

    def include(self, table: EventTable, live: Live) -> None:
        """Register every event of `table`; its handlers get an `Event` over `live`."""
        for described, fn in table:
            self._register(described, _bound(fn, live))

    def _register(self, described: ClientEvent, handler: Handler) -> None:
        event = described.name
        self._events[event] = (described.payload, handler)
        self._described[event] = described

        async def entry(sid: str, *args: Any) -> dict[str, Any]:
            return await self._answer(event, sid, lambda state: self._handle(event, state, args))

        self._sio.on(event, entry)

    def described(self) -> list[ClientEvent]:
        """Every registered client-to-server event, by name."""
        return [self._described[name] for name in sorted(self._described)]

    async def _handle(self, event: str, state: SocketState, args: tuple[Any, ...]) -> Any:
        model, handler = self._events[event]
        if not state.take_token(self._rate, self._burst, time.monotonic()):
            raise rate_limited(max(1, math.ceil(1 / self._rate)))
        if self.on_activity is not None:
            await self.on_activity(state.sid)
        payload: Any = None
        if model is not None:
            if len(args) > 1:
                raise AppError(ErrorCode.VALIDATION_ERROR, "send one payload object")
            payload = _validate(model, args[0] if args else {}, self._max_json_depth)
        return await handler(state, payload)

    async def _answer(
        self, label: str, sid: str, work: Callable[[SocketState], Awaitable[Any]]
    ) -> dict[str, Any]:
        with fresh_request_id() as request_id:
            started = time.perf_counter()
            outcome = "ok"
            user_id: uuid.UUID | None = None
            try:
                with self._drain.admit():
                    state = await get_state(self._sio, sid)
                    user_id = state.user_id
                    return ok(await work(state))
            except AppError as exc:
                outcome = exc.code.value
                return failure(exc)
            except Exception as exc:
                if is_unavailable(exc):
                    # A read outside `svc.tx()` lost the database: the same answer as a write.
                    outcome = ErrorCode.UNAVAILABLE.value
                    log.error("database unavailable", extra={"fields": {"event": label}})
                    return failure(database_unavailable())
                outcome = ErrorCode.INTERNAL.value
                log.exception("event failed", extra={"fields": {"event": label}})
                return failure(
                    AppError(
                        ErrorCode.INTERNAL,
                        "the server failed to answer; quote the request id when reporting it",
                        {"request_id": request_id},
                    )
                )
            finally:
                elapsed = time.perf_counter() - started
                metrics.socket_events.labels(label, outcome).inc()
                metrics.socket_ack_seconds.labels(label).observe(elapsed)
                fields: dict[str, object] = {
                    "event": label,
                    "outcome": outcome,
                    "duration_ms": round(elapsed * 1000, 2),
                    "sid": sid,
                }
                if user_id is not None:
                    fields["user_id"] = str(user_id)
                access_log.info("event", extra={"fields": fields})

    async def _unknown(self, event: str, sid: str, *args: Any) -> dict[str, Any]:
        """The name a client made up is not a label: it could grow the series forever."""

        async def refuse(_state: SocketState) -> Any:
            raise AppError(ErrorCode.VALIDATION_ERROR, f"unknown event {event!r}")

        return await self._answer(UNKNOWN_EVENT, sid, refuse)


def _bound(fn: EventHandler, live: Live) -> Handler:
    async def handle(state: SocketState, payload: Any) -> Any:
        return await fn(Event(live, state), payload)

    return handle
