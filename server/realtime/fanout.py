"""Fast fan-out of emits, and the websocket transport's compression setting.

python-socketio sends a room broadcast by creating one asyncio task per recipient, each
putting the packet on the recipient's engine.io queue, where that socket's writer task
wakes up, encodes it again and writes one frame. A broadcast is the same bytes for every
recipient, and server-to-client websocket frames are not masked, so here the Socket.IO
packet, the engine.io packet and the websocket frame are built once and the frame is
written straight to each websocket recipient's transport, in one synchronous loop.

Per-socket order with everything else sent to that socket (direct emits, acks, pings)
holds because a frame is written directly only when the socket's writer has nothing
queued and holds no packet it took from the queue (`WriterQueue.holding`); otherwise the
pre-encoded packet is appended to the queue, behind what is already there, exactly where
the library would have put it. Polling clients, sockets being upgraded, compressed
websockets, a transport whose buffer is full, binary payloads and emits with a callback
all take that queue path or the library's own.

The manager mixin sits between python-socketio's pub/sub manager and `AsyncManager` in the
method resolution order, so with Redis the listener's local delivery (`super().emit` in
`AsyncPubSubManager._handle_emit`) goes through the same path.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from typing import Any, TypeVar

import engineio
import socketio
from aiohttp import web
from aiohttp.web import WebSocketResponse
from engineio import packet as eio_packet
from engineio.async_drivers import aiohttp as eio_aiohttp
from socketio import packet as sio_packet
from socketio.async_pubsub_manager import AsyncPubSubManager

from .. import metrics
from .environ import RequestEnviron
from .pings import PingWheel
from .websocket import Outbox, WebSocketSession, direct_transport, websocket_frame

M = TypeVar("M", bound=socketio.AsyncManager)


class WriterQueue(asyncio.Queue[Any]):
    """An engine.io socket's outgoing queue that knows whether its consumer holds packets.

    `holding` is set when `get` hands out a packet and cleared when the consumer asks for
    the next one, i.e. once it has written everything it took. The writer drains the queue
    into a batch (`get` then `get_nowait`), so while it writes a batch, or is about to
    resume with one, `holding` is true even though the queue is empty.
    """

    holding = False

    async def get(self) -> Any:
        self.holding = False
        item = await super().get()
        self.holding = True
        return item


class FanoutWebSocket(eio_aiohttp.WebSocket):  # type: ignore[misc]
    """python-engineio's aiohttp websocket wrapper, with permessage-deflate as configured
    and the open websocket registered with the server for direct writes."""

    async def __call__(self, environ: dict[str, Any]) -> WebSocketResponse:
        server: EngineServer = self.server
        request = environ["aiohttp.request"]
        self._sock = WebSocketResponse(
            max_msg_size=server.max_http_buffer_size, compress=server.websocket_compression
        )
        await self._sock.prepare(request)
        self.environ = environ
        # The handler is the engine.io socket's bound `_websocket_handler`.
        sid: str = self.handler.__self__.sid
        server.websockets[sid] = self._sock
        try:
            await self.handler(self)
        finally:
            if server.websockets.get(sid) is self._sock:
                del server.websockets[sid]
        return self._sock


class EngineServer(engineio.AsyncServer):  # type: ignore[misc]
    """The engine.io server with the hooks the fan-out needs (see the module docstring)."""

    websocket_compression = False
    _async: dict[str, Any]  # the async driver's functions, set by engineio's constructor
    start_service_task: bool  # set by engineio's constructor

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._async = {
            **self._async,
            "websocket": FanoutWebSocket,
            "translate_request": RequestEnviron,
        }
        self.websockets: dict[str, WebSocketResponse] = {}
        self.direct_writes = 0  # frames written past the queue, for tests and the bench
        self.ping_wheel = PingWheel()

    def create_queue(self, *args: Any, **kwargs: Any) -> asyncio.Queue[Any]:
        return WriterQueue(*args, **kwargs)

    async def handle_request(self, request: Any, *args: Any) -> Any:
        """engine.io's, except that a session opened on the websocket transport runs as a
        `WebSocketSession` (server/realtime/websocket.py), awaited from this frame, and
        that `refuse` may answer a request first. (No `**kwargs`: this frame lives as
        long as the session, and an empty dict is 64 bytes.)"""
        if isinstance(request, web.Request):
            session = self.websocket_session(request)
            if session is not None:
                return await session.run(request)
            refused = await self.refuse(request)
            if refused is not None:
                return refused
        return await super().handle_request(request, *args)

    async def refuse(self, request: web.Request) -> web.StreamResponse | None:
        """A response ending `request` before engine.io reads it, or None."""
        return None

    def websocket_session(self, request: web.Request) -> WebSocketSession | None:
        """A new session when `request` opens the websocket transport directly and passes
        engine.io's checks for that (origin, protocol version, upgrade header); None
        otherwise: the library handles the request, refusals included."""
        if request.method != "GET" or request.headers.get("Upgrade", "").lower() != "websocket":
            return None
        query = urllib.parse.parse_qs(request.query_string)
        if (
            "sid" in query
            or "j" in query
            or query.get("transport") != ["websocket"]
            or "websocket" not in self.transports
            or query.get("EIO") != ["4"]
        ):
            return None
        origin = request.headers.get("Origin")
        if origin and self.cors_allowed_origins != []:
            allowed = self._cors_allowed_origins(RequestEnviron(request))
            if allowed is not None and origin not in allowed:
                return None
        if self.start_service_task:
            self.start_service_task = False
            self.service_task_handle = self.start_background_task(self._service_task)
        return WebSocketSession(self, self.generate_id())

    def deliver(self, eio_sid: str, frames: bytes, pkts: list[eio_packet.Packet]) -> bool:
        """Send pre-encoded messages (`frames`: their websocket frames, joined) to a socket,
        without suspending; False when the socket is gone. They are written directly, in
        one write, when nothing sent earlier can be behind them, else queued behind the
        rest."""
        sock = self.sockets.get(eio_sid)
        if sock is None or sock.closed:
            return False
        queue = sock.queue
        if isinstance(queue, Outbox):
            if queue.send_all(pkts, frames):
                self.direct_writes += 1
            return True
        ws = self.websockets.get(eio_sid)
        if (
            ws is not None
            and sock.upgraded
            and not sock.upgrading
            and not sock.closing
            and not queue.holding
            and queue.empty()
            and not ws.closed
        ):
            transport = direct_transport(ws)
            if transport is not None:
                transport.write(frames)
                self.direct_writes += 1
                return True
        for pkt in pkts:
            queue.put_nowait(pkt)
        return True


class FanoutManager(socketio.AsyncManager):  # type: ignore[misc]
    """`AsyncManager` whose emits without a callback go out through `EngineServer.deliver`,
    and whose sockets' own rooms are not stored.

    python-socketio puts every socket in a room named after its sid, a bidict of one
    entry (~400 B per idle connection), which every disconnect then finds by walking all
    rooms. Here a sid's room is read from the room of connected sockets (`None`, sid ->
    engine.io sid), which python-socketio keeps anyway and updates at the same moments.
    """

    def basic_enter_room(
        self, sid: str, namespace: str, room: Any, eio_sid: str | None = None
    ) -> None:
        if room is not None and room == sid:
            return  # its own room: implied by being connected
        super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)

    def get_participants(self, namespace: str, room: Any) -> Any:
        ns = self.rooms.get(namespace, {})
        connected = ns.get(None)
        names = room if hasattr(room, "__len__") and not isinstance(room, str) else [room]
        participants: dict[str, str] = {}
        for name in names:
            members = ns.get(name)
            if members is not None:
                participants.update(members._fwdm)
            elif connected is not None and name in connected:
                participants[name] = connected[name]
        yield from participants.items()

    def get_rooms(self, sid: str, namespace: str) -> list[Any]:
        rooms: list[Any] = super().get_rooms(sid, namespace)
        connected = self.rooms.get(namespace, {}).get(None)
        if connected is not None and sid in connected:
            rooms.append(sid)
        return rooms

    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str,
        room: Any = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: Any = None,
        **kwargs: Any,
    ) -> None:
        args = list(data) if isinstance(data, tuple) else [] if data is None else [data]
        fast = callback is None and await self._fast_emit(
            event, [args], namespace, to or room, skip_sid
        )
        if not fast:
            await super().emit(event, data, namespace, room, skip_sid, callback, to, **kwargs)

    async def emit_all(self, event: str, payloads: list[Any], namespace: str, room: str) -> None:
        """`event` once per payload to `room`, in order, each recipient's in one write
        where it can take them directly (a presence window's changes: one write per socket
        per flush, not one per change). Through a pub/sub manager each is published as an
        emit of its own, as before."""
        await emit_all(self, event, payloads, namespace, room)

    async def _fast_emit(
        self, event: str, arg_lists: list[list[Any]], namespace: str, room: Any, skip_sid: Any
    ) -> bool:
        """`event` once per argument list to `room`, in order, through
        `EngineServer.deliver`: encoded once for every recipient. False, with nothing
        sent, when the engine is not an `EngineServer` or a payload has binary
        attachments (several engine.io packets): the library's way then."""
        eio = self.server.eio
        if not isinstance(eio, EngineServer):
            return False
        if namespace not in self.rooms or not arg_lists:
            return True
        encoded = [
            self.server.packet_class(
                sio_packet.EVENT, namespace=namespace, data=[event, *args]
            ).encode()
            for args in arg_lists
        ]
        if any(isinstance(e, list) for e in encoded):
            return False
        pkts = [eio_packet.Packet(eio_packet.MESSAGE, e) for e in encoded]
        # `pkt.encode()` is cached on the packet: the queue path reuses it.
        frames = b"".join(websocket_frame(pkt.encode()) for pkt in pkts)
        skip = skip_sid if isinstance(skip_sid, list) else [skip_sid]
        recipients = 0
        for sid, eio_sid in self.get_participants(namespace, room):
            if sid not in skip and eio.deliver(eio_sid, frames, pkts):
                recipients += 1
        metrics.broadcast_deliveries.inc(recipients * len(pkts))
        return True


async def emit_all(
    manager: socketio.AsyncManager, event: str, payloads: list[Any], namespace: str, room: str
) -> None:
    """`FanoutManager.emit_all` where the manager takes the fan-out path, else an emit per
    payload."""
    fast = isinstance(manager, FanoutManager) and not isinstance(manager, AsyncPubSubManager)
    arg_lists = [[data] for data in payloads]
    if not (fast and await manager._fast_emit(event, arg_lists, namespace, room, None)):
        for data in payloads:
            await manager.emit(event, data, namespace, room=room)


def with_fast_fanout(base: type[M]) -> type[M]:
    """`base` with the fan-out path: for a pub/sub manager, its local deliveries."""
    if issubclass(base, FanoutManager):
        return base
    if base is socketio.AsyncManager:
        return FanoutManager
    return type(f"Fanout{base.__name__}", (base, FanoutManager), {})


class FanoutServer(socketio.AsyncServer):  # type: ignore[misc]
    """The Socket.IO server on `EngineServer`."""

    def __init__(self, *, websocket_compression: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.eio.websocket_compression = websocket_compression

    def _engineio_server_class(self) -> type[engineio.AsyncServer]:
        return EngineServer

    async def _handle_eio_disconnect(self, eio_sid: str, reason: Any) -> None:
        """Also end a polling socket's pending long-poll request at once: the library
        leaves it waiting up to ping_interval + ping_timeout (45 s) after the client has
        gone, holding the request open and stalling a graceful shutdown that long."""
        await super()._handle_eio_disconnect(eio_sid, reason)
        sock = self.eio.sockets.get(eio_sid)
        if sock is not None and not sock.upgraded:
            sock.queue.put_nowait(None)
