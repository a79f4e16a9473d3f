"""The long-polling transport's guard against oversized POSTs.

engine.io answers a polling POST larger than `max_http_buffer_size` by disconnecting the
session with `wait=True`, which waits for the client to collect the CLOSE packet with a
GET: a client that never does (an attacker needs no token, only a handshake) holds the
request open forever, with its session and buffers. Here such a POST, or one whose size
is not announced (chunked), is answered at once and its session closed without waiting:
413 (or 400 for no Content-Length) problem+json, which every engine.io client treats as
a transport error, like the library's own 400.
"""

from __future__ import annotations

from typing import Any

import engineio
from aiohttp import web

from protocol.errors import ErrorCode

from ..rest.errors import problem_response
from .fanout import EngineServer, FanoutServer

_SEND_PING = engineio.async_socket.AsyncSocket._send_ping


class GuardedEngineServer(EngineServer):
    """`EngineServer` whose polling POSTs are bounded before anything is read."""

    def start_background_task(self, target: Any, *args: Any, **kwargs: Any) -> Any:
        """As engine.io's, keeping each socket's ping timer on the socket, so that dropping
        the socket cancels it: else the timer holds the socket and its queues for up to
        `ping_interval` after it is gone."""
        task = super().start_background_task(target, *args, **kwargs)
        if getattr(target, "__func__", None) is _SEND_PING:
            target.__self__.ping_timer = task
        return task

    async def refuse(self, request: web.Request) -> web.Response | None:
        if request.method == "POST":
            refused = self._oversized(request)
            if refused is not None:
                await self._drop(request.query.get("sid"))
                return refused
        return None

    def _oversized(self, request: web.Request) -> web.Response | None:
        length = request.content_length
        if length is None:
            if not request.body_exists:
                return None
            return problem_response(
                ErrorCode.BAD_REQUEST, "a polling POST must give its Content-Length"
            )
        if length > self.max_http_buffer_size:
            return problem_response(
                ErrorCode.PAYLOAD_TOO_LARGE,
                f"a polling POST carries at most {self.max_http_buffer_size} bytes",
            )
        return None

    async def disconnect(self, sid: str | None = None) -> None:
        """engine.io's, except that a polling session is not waited for: the library
        waits until the client has fetched the CLOSE packet, so a POST it refuses (an
        unknown packet type, a bad payload) was never answered when the client did not
        poll again. The CLOSE packet still goes to a pending long-poll."""
        sock = self.sockets.get(sid) if sid else None
        if sock is None or sock.upgraded:
            await super().disconnect(sid)
            return
        await self._close_now(sock, abort=False, reason=self.reason.SERVER_DISCONNECT)

    async def _drop(self, sid: str | None) -> None:
        """Close the polling session at once (no CLOSE packet to wait for), so that it and
        whatever it buffered are freed now; an upgraded (websocket) session is left alone,
        engine.io refuses POSTs to it anyway."""
        sock = self.sockets.get(sid) if sid else None
        if sock is None or sock.upgraded:
            return
        await self._close_now(sock, abort=True, reason=self.reason.TRANSPORT_ERROR)

    async def _close_now(self, sock: Any, *, abort: bool, reason: Any) -> None:
        await sock.close(wait=False, abort=abort, reason=reason)
        self.sockets.pop(sock.sid, None)
        timer = getattr(sock, "ping_timer", None)
        if timer is not None:
            timer.cancel()


class SocketServer(FanoutServer):
    """The Socket.IO server of the application: fan-out and the polling guard."""

    def _engineio_server_class(self) -> type[engineio.AsyncServer]:
        return GuardedEngineServer
