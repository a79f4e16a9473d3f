"""Lean engine.io sessions for clients that open the websocket transport directly.

An idle connection is mostly what the library keeps per socket while nothing happens.
python-engineio gives each websocket a chain of seven suspended coroutines (the request,
the connect, the GET, the upgrade, the wrapper, the handler), three more tasks (a writer,
a reader re-created for every message, a ping task sleeping 25 s), an `asyncio.Queue`
(four deques: ~3 KiB empty) and a copy of the request's headers as a WSGI environ.
Here a session opened with `transport=websocket` (what socket.io-client does by
default, and what almost every client of this server does) is one coroutine in aiohttp's
handler task: it reads frames itself, writes through an `Outbox` that puts frames
straight on the transport, and pings from one timer handle. Nothing else changes:
engine.io still validates the request (origin, protocol version, upgrade header), the
packets are engine.io's, `AsyncSocket.receive`/`close`/`send` are the library's, and
polling sessions (and their upgrade to websocket) keep the library's own path.
"""

from __future__ import annotations

import asyncio
import collections
import struct
import time
import weakref
from typing import Any

from aiohttp import WSMsgType, web
from engineio import exceptions
from engineio import packet as eio_packet
from engineio.async_socket import AsyncSocket

from .environ import RequestEnviron

# Above this many bytes waiting in a transport, frames wait in the outbox, whose flush
# waits for the transport to drain (aiohttp's flow control) instead of piling up more.
TRANSPORT_BUFFER_LIMIT = 64 * 1024
_TEXT_FIN, _BINARY_FIN = 0x81, 0x82
# Tasks a session starts for its end (a ping timeout, a cancelled handler), held until done.
_background: set[asyncio.Task[None]] = set()


def websocket_frame(data: str | bytes) -> bytes:
    """One unmasked, uncompressed, final frame (RFC 6455 section 5.2): text for `str`."""
    if isinstance(data, str):
        payload, first = data.encode(), _TEXT_FIN
    else:
        payload, first = data, _BINARY_FIN
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", first, length)
    elif length < 65536:
        header = struct.pack("!BBH", first, 126, length)
    else:
        header = struct.pack("!BBQ", first, 127, length)
    return header + payload


def direct_transport(ws: web.WebSocketResponse) -> asyncio.Transport | None:
    """The transport a frame may be written to directly, without aiohttp's flow control:
    an uncompressed websocket's, open and holding at most `TRANSPORT_BUFFER_LIMIT`
    unsent bytes; None otherwise (the frame then waits its turn in a queue)."""
    transport = ws._writer.transport if ws._writer is not None else None
    if (
        ws.compress
        or transport is None
        or transport.is_closing()
        or transport.get_write_buffer_size() > TRANSPORT_BUFFER_LIMIT
    ):
        return None
    return transport


# Outboxes with frames corked in the current turn, by event loop (a loop that stopped
# with its turn unfinished leaves nothing behind for the next one).
_corked: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, list[Outbox]] = (
    weakref.WeakKeyDictionary()
)


def _cork(outbox: Outbox) -> None:
    loop = asyncio.get_running_loop()
    waiting = _corked.get(loop)
    if waiting is None:
        waiting = _corked[loop] = []
        loop.call_soon(_uncork_all, loop)
    waiting.append(outbox)


def _uncork_all(loop: asyncio.AbstractEventLoop) -> None:
    """The turn's end: every corked outbox writes its frames, one write each."""
    for outbox in _corked.pop(loop, ()):
        outbox.uncork()


class Outbox:
    """A websocket session's outgoing side, in place of engine.io's queue and writer task.

    A packet goes to the transport without a task when nothing is waiting before it: its
    frame is corked, and every frame corked in one turn of the event loop leaves in one
    write at the turn's end (`_uncork_all`). A group commit publishes its sends in one
    turn, so a member of a busy room gets them in one system call, not one each: the
    write was 40 % of the fan-out's server samples. Otherwise (no websocket yet, a
    transport over `TRANSPORT_BUFFER_LIMIT`, a compressed websocket) it waits in
    `pending`, which a task started for the occasion writes out in order through aiohttp
    (with its flow control) and then drops; what was corked goes first. `None` closes the
    websocket after what is pending, as it ends engine.io's writer. The methods engine.io
    and this server call on a socket's queue are here; nothing polls it.
    """

    __slots__ = ("corked", "ended", "flusher", "pending", "ws")

    holding = False  # never holds packets outside `pending` (fanout.WriterQueue's flag)

    def __init__(self) -> None:
        self.ws: web.WebSocketResponse | None = None
        self.pending: collections.deque[eio_packet.Packet | None] | None = None
        self.flusher: asyncio.Task[None] | None = None
        self.ended = False  # the websocket is to close once what is pending is out
        self.corked: list[bytes] | None = None  # frames of this turn, not yet written

    def attach(self, ws: web.WebSocketResponse) -> None:
        """The websocket is open: write what waited for it."""
        self.ws = ws
        waiting, self.pending = self.pending, None
        for pkt in waiting or ():
            if pkt is None:
                self._queue(None)
            else:
                self.send(pkt)

    def send(self, pkt: eio_packet.Packet, frame: bytes | None = None) -> bool:
        """Write or queue `pkt` (`frame`: its websocket frame, if already built); True
        when it went straight to the transport."""
        return self.send_all([pkt], frame)

    def send_all(self, pkts: list[eio_packet.Packet], frames: bytes | None = None) -> bool:
        """Write `pkts` in one write when they can go straight to the transport
        (`frames`: their websocket frames, joined, if already built), else queue each;
        True when written."""
        ws = self.ws
        if self.pending is None and ws is not None:
            if ws.closed:
                return False  # engine.io's writer drops what comes after the end too
            if direct_transport(ws) is not None:
                if frames is None:
                    frames = b"".join(websocket_frame(pkt.encode()) for pkt in pkts)
                corked = self.corked
                if corked is None:
                    corked = self.corked = []
                    _cork(self)
                corked.append(frames)
                return True
        for pkt in pkts:
            self._queue(pkt)
        return False

    def uncork(self) -> None:
        """Write what this turn corked, in one write (a transport closed meanwhile drops
        it, as it would have dropped each)."""
        corked, self.corked = self.corked, None
        ws = self.ws
        if not corked or ws is None or ws._writer is None:
            return
        transport = ws._writer.transport
        if transport is not None and not transport.is_closing():
            transport.write(corked[0] if len(corked) == 1 else b"".join(corked))

    def _queue(self, pkt: eio_packet.Packet | None) -> None:
        if self.corked is not None:
            self.uncork()  # what was corked this turn goes before what waits
        if self.pending is None:
            self.pending = collections.deque()
        self.pending.append(pkt)
        if self.ws is not None and self.flusher is None:
            self.flusher = asyncio.ensure_future(self._flush())

    async def _flush(self) -> None:
        ws, pending = self.ws, self.pending
        assert ws is not None and pending is not None
        try:
            while pending:
                pkt = pending.popleft()
                if pkt is None:
                    pending.clear()
                    await ws.close()
                    break
                data = pkt.encode()
                if isinstance(data, bytes):
                    await ws.send_bytes(data)
                else:
                    await ws.send_str(data)
        except Exception:  # the connection is gone: as engine.io's writer, stop writing
            pending.clear()
            await ws.close()
        finally:
            self.pending = self.flusher = None

    # The queue interface engine.io (AsyncSocket.send, close) and this server use.
    async def put(self, pkt: eio_packet.Packet | None) -> None:
        self.put_nowait(pkt)

    def put_nowait(self, pkt: eio_packet.Packet | None) -> None:
        if pkt is None:
            if not self.ended:
                self.ended = True
                self._queue(None)
        else:
            self.send(pkt)

    def empty(self) -> bool:
        return not self.pending

    def qsize(self) -> int:
        return len(self.pending) if self.pending else 0

    def task_done(self) -> None:
        pass

    async def join(self) -> None:
        """Until what is pending is written (engine.io's `close(wait=True)`)."""
        if self.flusher is not None:
            await asyncio.shield(self.flusher)


class WebSocketSession(AsyncSocket):  # type: ignore[misc]
    """An engine.io socket whose only transport is the websocket it was opened with."""

    queue: Outbox

    def __init__(self, server: Any, sid: str) -> None:
        # BaseSocket.__init__, with an Outbox for the asyncio.Queue it would create.
        self.server = server
        self.sid = sid
        self.queue = Outbox()
        self.last_ping: float | None = time.time()
        self.connected = False
        self.upgrading = False
        self.upgraded = False
        self.closing = False
        self.closed = False
        self.session: dict[str, Any] = {}
        # The second (a slot of the server's PingWheel) of the next ping, or of the
        # deadline of the pong to the last one (while `last_ping` is set).
        self.timer_due: int | None = None

    def schedule_ping(self) -> None:
        """The next ping in `ping_interval` (at the start and after each pong)."""
        if self.last_ping:
            self.last_ping = None
            self._timer(self.server.ping_interval)

    def _timer(self, delay: float) -> None:
        self._cancel_timer()
        self.timer_due = self.server.ping_wheel.add(self, delay)

    def _cancel_timer(self) -> None:
        if self.timer_due is not None:
            self.server.ping_wheel.remove(self, self.timer_due)
            self.timer_due = None

    def timer_fired(self) -> None:
        self.timer_due = None
        if self.closing or self.closed:
            return
        if self.last_ping is None:  # time to ping; the pong is due in ping_timeout
            self.last_ping = time.time()
            self.queue.put_nowait(eio_packet.Packet(eio_packet.PING))
            self._timer(self.server.ping_timeout)
        else:  # no pong: the client is gone (engine.io's `check_ping_timeout`)
            reason = self.server.reason.PING_TIMEOUT
            task = asyncio.ensure_future(self.close(wait=False, abort=False, reason=reason))
            _background.add(task)
            task.add_done_callback(_background.discard)

    async def close(self, wait: bool = True, abort: bool = False, reason: Any = None) -> None:
        """engine.io's, and then the websocket closes once what is pending is out,
        whoever closed the socket (a late pong seen here or by engine.io's service task,
        a server-side disconnect, shutdown): engine.io's session would leave it open
        until the client closes it or a read times out."""
        await super().close(wait=wait, abort=abort, reason=reason)
        if self.closed:
            self._cancel_timer()
            self.queue.put_nowait(None)

    async def _end(self) -> None:
        """The websocket is done: write what is pending and close it (engine.io's writer
        ending), then close the engine.io socket, which runs the disconnect handlers."""
        self._cancel_timer()
        self.queue.put_nowait(None)
        await self.queue.join()
        await self.close(wait=False, abort=True, reason=self.server.reason.TRANSPORT_CLOSE)
        if self.closed and self.server.sockets.get(self.sid) is self:
            del self.server.sockets[self.sid]

    async def run(self, request: web.Request) -> web.StreamResponse:
        """The whole session: engine.io's `_handle_connect`, then its websocket handler for
        a socket that was not upgraded, reading frames here instead of in a task per
        message, in this one frame (each suspended frame is kept for the session)."""
        server = self.server
        sid = self.sid
        server.sockets[sid] = self
        opening = {
            "sid": sid,
            "upgrades": [],
            "pingTimeout": int(server.ping_timeout * 1000),
            "pingInterval": int(server.ping_interval + server.ping_interval_grace_period) * 1000,
            "maxPayload": server.max_http_buffer_size,
        }
        self.queue.put_nowait(eio_packet.Packet(eio_packet.OPEN, opening))
        del opening
        ret = await server._trigger_event("connect", sid, RequestEnviron(request), run_async=False)
        if ret is not None and ret is not True:
            del server.sockets[sid]
            server.logger.warning("Application rejected connection")
            refusal = server._unauthorized(ret or None)
            response: web.StreamResponse = await server._make_response(
                refusal, RequestEnviron(request)
            )
            return response
        del ret
        self.schedule_ping()
        ws = web.WebSocketResponse(
            max_msg_size=server.max_http_buffer_size, compress=server.websocket_compression
        )
        try:
            await ws.prepare(request)
            # The 101's headers are on the wire; the response would keep them for hours.
            ws.headers.clear()
            self.connected = True
            self.upgraded = True
            self.queue.attach(ws)
            while True:
                try:
                    msg = await ws.receive()
                except asyncio.CancelledError:  # as engine.io: end the session, clean up
                    break
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    break  # closed by the client, an oversized or malformed frame
                try:
                    await self.receive(eio_packet.Packet(encoded_packet=msg.data))
                except exceptions.UnknownPacketError:
                    pass
                except exceptions.SocketIsClosedError:
                    break
                except Exception:
                    server.logger.exception("Unknown receive error")
                del msg
        finally:
            # In a task of its own: a cancelled handler (aiohttp cancels it when the
            # client goes, with `handler_cancellation`) still runs the disconnect.
            ending = asyncio.ensure_future(self._end())
            _background.add(ending)
            ending.add_done_callback(_background.discard)
            await asyncio.shield(ending)
        return ws
