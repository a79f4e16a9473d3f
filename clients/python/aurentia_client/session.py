"""A logged-in session: tokens refreshed ahead of expiry, one Socket.IO connection that
comes back by itself (server restart, network loss, `auth:expired`) with a fresh token.

The reconnection is this module's own loop rather than python-socketio's: after a refused
connection or a server-side disconnect the library stops, and the token must be renewed
before the next attempt anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import socketio

from .errors import AckError, ApiError, LoggedOut, NotDelivered

log = logging.getLogger("aurentia_client")
Listener = Callable[[Any], Awaitable[None] | None]


class Rest:
    """Plain REST calls under `/api/v1`, with the session's bearer token."""

    def __init__(self, url: str, token: Callable[[], str | None]) -> None:
        self._url = url.rstrip("/")
        self._token = token
        self._http: aiohttp.ClientSession | None = None

    async def request(
        self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        if self._http is None:
            self._http = aiohttp.ClientSession()
        headers = {"Accept": "application/json"}
        if token := self._token():
            headers["Authorization"] = f"Bearer {token}"
        async with self._http.request(
            method, f"{self._url}/api/v1{path}", json=json, params=params, headers=headers
        ) as resp:
            body = await resp.json(content_type=None) if resp.content_length != 0 else None
            if resp.status >= 400:
                raise ApiError(resp.status, body)
            return body

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None


class Session:
    """Tokens and a socket. `await Session.login(url, email, password)`, then `connect()`."""

    def __init__(
        self,
        url: str,
        tokens: dict[str, Any],
        *,
        ack_timeout: float = 10.0,
        refresh_margin: float = 60.0,
    ) -> None:
        self.url = url
        self.ack_timeout = ack_timeout
        self.refresh_margin = refresh_margin
        self.rest = Rest(url, lambda: self._tokens["access_token"])
        self.info: dict[str, Any] | None = None
        self._tokens = tokens
        self._set_expiry(tokens)
        self._listeners: dict[str, list[Listener]] = {}
        self._pending: set[asyncio.Future[Any]] = set()
        self._connected = asyncio.Event()
        self._ready = asyncio.Event()
        self._closed = False
        self._ready_once = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._refreshing: asyncio.Task[None] | None = None
        self._must_refresh = False
        self.sio = socketio.AsyncClient(reconnection=False)
        self.sio.on("*", self._on_event)
        self.sio.on("disconnect", self._on_disconnect)
        self.sio.on("connect_error", self._on_connect_error)
        self.sio.on("connect", self._on_connect)
        self._namespace_up = False

    @classmethod
    async def login(cls, url: str, email: str, password: str, **options: Any) -> Session:
        rest = Rest(url, lambda: None)
        try:
            tokens = await rest.request(
                "POST", "/auth/login", json={"email": email, "password": password}
            )
        finally:
            await rest.close()
        return cls(url, tokens, **options)

    @property
    def access_token(self) -> str:
        return str(self._tokens["access_token"])

    @property
    def user_id(self) -> str | None:
        return None if self.info is None else str(self.info["user_id"])

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def on(self, event: str, listener: Listener) -> None:
        """Listen to a server event, or to `ready` ({session, reconnect}), `disconnected`,
        `refreshed`, `logged_out`."""
        self._listeners.setdefault(event, []).append(listener)

    async def connect(self) -> None:
        """Start the connection loop and wait for the first `session`."""
        self._spawn(self._supervise())
        self._spawn(self._refresh_loop())
        await self.ready()

    async def ready(self) -> dict[str, Any]:
        await self._ready.wait()
        assert self.info is not None
        return self.info

    async def request(self, event: str, payload: Any, timeout: float | None = None) -> Any:
        """Emit and wait for the ack (`{ok, data | error}`); `NotDelivered` without one."""
        if not self.connected:
            raise NotDelivered(event, "disconnected")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        def answered(*args: Any) -> None:
            if not future.done():
                future.set_result(args[0] if args else None)

        self._pending.add(future)
        try:
            await self.sio.emit(event, payload, callback=answered)
            return await asyncio.wait_for(future, timeout or self.ack_timeout)
        except TimeoutError:
            raise NotDelivered(event, "timeout") from None
        except socketio.exceptions.SocketIOError:
            raise NotDelivered(event, "disconnected") from None
        finally:
            self._pending.discard(future)

    async def call(self, event: str, payload: Any) -> Any:
        """The ack's data; `AckError` on `{ok: false}`."""
        answer = await self.request(event, payload)
        if not answer.get("ok"):
            error = answer.get("error", {})
            raise AckError(
                event, error.get("code", "?"), error.get("message", ""), error.get("details")
            )
        return answer.get("data")

    async def refresh(self) -> None:
        """Renew the tokens (REST), then extend the live socket with `auth:refresh`."""
        if self._refreshing is None or self._refreshing.done():
            self._refreshing = asyncio.create_task(self._refresh())
        await asyncio.shield(self._refreshing)

    async def close(self) -> None:
        self._closed = True
        # Disconnect before cancelling: the supervisor awaits the socket's read loop, and
        # cancelling it first would cancel that loop under python-socketio's feet.
        with contextlib.suppress(Exception):
            await self.sio.disconnect()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task
        await self.rest.close()

    # -- inside

    def _set_expiry(self, tokens: dict[str, Any]) -> None:
        self._lifetime = float(tokens["expires_in"])
        self._expires_at = time.monotonic() + self._lifetime

    def _margin(self) -> float:
        return min(self.refresh_margin, self._lifetime / 3)

    async def _refresh(self) -> None:
        try:
            tokens = await self.rest.request(
                "POST", "/auth/refresh", json={"refresh_token": self._tokens["refresh_token"]}
            )
        except ApiError as exc:
            if exc.status == 401:
                await self._fire("logged_out", {"reason": str(exc)})
                self._closed = True
                raise LoggedOut(str(exc)) from exc
            raise
        self._tokens = tokens
        self._set_expiry(tokens)
        self._must_refresh = False
        await self._fire("refreshed", {"expires_in": tokens["expires_in"]})
        if self.connected:
            with contextlib.suppress(NotDelivered):
                await self.request("auth:refresh", {"token": tokens["access_token"]})

    async def _refresh_loop(self) -> None:
        while not self._closed:
            delay = self._expires_at - self._margin() - time.monotonic()
            if delay > 0:
                await asyncio.sleep(min(delay, 1.0))
                continue
            try:
                await self.refresh()
            except LoggedOut:
                return
            except (ApiError, aiohttp.ClientError, OSError):
                await asyncio.sleep(1.0)  # the server is away: again shortly

    async def _auth(self) -> dict[str, str]:
        if self._must_refresh or time.monotonic() >= self._expires_at - self._margin():
            with contextlib.suppress(ApiError, aiohttp.ClientError, OSError):
                await self.refresh()
        return {"token": self.access_token}

    async def _supervise(self) -> None:
        delay = 0.1
        while not self._closed:
            if not self.sio.connected:
                try:
                    await self.sio.connect(
                        self.url, auth=self._auth, transports=["websocket"], wait_timeout=5
                    )
                    delay = 0.1
                except Exception as exc:  # refused, unreachable, half-open: try again
                    log.info("connection failed: %r", exc)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 2.0)
                    continue
            await self.sio.wait()
            self._lose()
            await asyncio.sleep(0.1)

    def _lose(self) -> None:
        self._namespace_up = False
        self.info = None
        self._connected.clear()
        self._ready.clear()
        for future in list(self._pending):
            if not future.done():
                future.set_exception(socketio.exceptions.DisconnectedError())

    async def _on_disconnect(self, *reason: Any) -> None:
        self._lose()
        await self._fire("disconnected", {"reason": str(reason[0]) if reason else ""})

    async def _on_connect(self) -> None:
        self._namespace_up = True
        await self._maybe_ready()

    async def _maybe_ready(self) -> None:
        """Ready once the namespace is connected and `session` arrived: the server sends
        `session` before it acknowledges the namespace, and python-socketio refuses to
        emit on a namespace it has not seen acknowledged."""
        if not (self._namespace_up and self.info is not None) or self._connected.is_set():
            return
        self._connected.set()
        self._ready.set()
        reconnect, self._ready_once = self._ready_once, True
        await self._fire("ready", {"session": self.info, "reconnect": reconnect})

    async def _on_connect_error(self, data: Any = None) -> None:
        if isinstance(data, dict) and data.get("code") == "unauthorized":
            self._must_refresh = True

    async def _on_event(self, event: str, *args: Any) -> None:
        data = args[0] if args else None
        if event == "session":
            self.info = data
            await self._maybe_ready()
        elif event == "auth:expired":
            self._must_refresh = True
        await self._fire(event, data)

    async def _fire(self, event: str, data: Any) -> None:
        for listener in list(self._listeners.get(event, [])):
            try:
                result = listener(data)
                if asyncio.iscoroutine(result):
                    await result
            except Exception:
                log.exception("listener of %s failed", event)

    def _spawn(self, coro: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
