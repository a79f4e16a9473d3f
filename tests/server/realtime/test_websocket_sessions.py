"""Sessions opened on the websocket transport (server/realtime/websocket.py): no task of
their own while idle, pings from the process's ping wheel, a client that stops answering
them is dropped (and its disconnect runs), the environ engine.io and python-socketio
read is the one their aiohttp driver would have copied, polling keeps working, and the
outbox keeps order when the transport is slow."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

import aiohttp
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestClient, TestServer, make_mocked_request
from engineio.async_drivers.aiohttp import translate_request
from engineio.packet import MESSAGE, Packet

from server.keys import SIO
from server.realtime.environ import RequestEnviron
from server.realtime.websocket import (
    TRANSPORT_BUFFER_LIMIT,
    Outbox,
    WebSocketSession,
    websocket_frame,
)
from tests.conftest import AppFactory
from tests.server.realtime.chatkit import make_org
from tests.server.realtime.clusterkit import eventually
from tests.sio import Peer, connected

ServerFactory = Callable[[web.Application], Awaitable[TestServer]]
ClientFactory = Callable[[TestServer], Awaitable[TestClient[web.Request, web.Application]]]
WEBSOCKET = "/socket.io/?EIO=4&transport=websocket"
# A guard against a hang, never a timing assertion.
GUARD = 20
SESSION_CODE = ("engineio/async_socket.py", "engineio/async_server.py", "server/realtime/")


def _session_tasks() -> list[str]:
    """Tasks running code of engine.io's server side or of server/realtime (the test's
    clients run engineio/async_client.py, aiohttp's handler tasks aiohttp's code)."""
    names = []
    for task in asyncio.all_tasks():
        code = getattr(task.get_coro(), "cr_code", None)
        if code is not None and any(part in code.co_filename for part in SESSION_CODE):
            names.append(code.co_qualname)
    return names


async def test_idle_websocket_sessions_keep_no_task_of_their_own(
    make_app: AppFactory, aiohttp_server: ServerFactory, aiohttp_client: ClientFactory
) -> None:
    server = await aiohttp_server(make_app())
    org = await make_org(await aiohttp_client(server))
    peers: list[Peer] = [await connected(server, org.owner.access_token)]
    try:
        await asyncio.sleep(0.2)  # anything a connect leaves running would still run now
        with_one = sorted(_session_tasks())
        peers += [await connected(server, org.owner.access_token) for _ in range(4)]
        eio = server.app[SIO].eio
        assert len(eio.sockets) == 5
        assert all(isinstance(s, WebSocketSession) for s in eio.sockets.values())
        await asyncio.sleep(0.2)
        # What runs does not grow with the sockets (the process's own tasks only).
        assert sorted(_session_tasks()) == with_one
        # Still a working socket: an event gets its ack.
        ack = await peers[0].call("presence:list", {"organization_id": org.id})
        assert ack["ok"], ack
    finally:
        for peer in peers:
            await peer.close()


async def _open(
    session: aiohttp.ClientSession, server: TestServer, token: str
) -> aiohttp.ClientWebSocketResponse:
    ws = await session.ws_connect(server.make_url(WEBSOCKET))
    opening = await ws.receive_str()
    assert opening.startswith("0"), opening
    await ws.send_str("40" + json.dumps({"token": token}))
    return ws


async def test_pings_come_from_the_wheel_and_a_client_answering_them_stays(
    make_app: AppFactory, aiohttp_server: ServerFactory, aiohttp_client: ClientFactory
) -> None:
    server = await aiohttp_server(make_app())
    org = await make_org(await aiohttp_client(server))
    eio = server.app[SIO].eio
    eio.ping_interval, eio.ping_timeout = 1, 2
    async with aiohttp.ClientSession() as session:
        ws = await _open(session, server, org.owner.access_token)
        pings = 0
        async with asyncio.timeout(GUARD):
            while pings < 3:
                msg = await ws.receive()
                assert msg.type is WSMsgType.TEXT, msg
                if msg.data == "2":
                    pings += 1
                    await ws.send_str("3")
        assert not ws.closed
        (sock,) = eio.sockets.values()
        assert sock.timer_due in eio.ping_wheel.slots
        await ws.close()


async def test_a_client_that_stops_answering_pings_is_dropped_and_disconnected(
    make_app: AppFactory, aiohttp_server: ServerFactory, aiohttp_client: ClientFactory
) -> None:
    server = await aiohttp_server(make_app())
    org = await make_org(await aiohttp_client(server))
    sio = server.app[SIO]
    sio.eio.ping_interval, sio.eio.ping_timeout = 1, 1
    async with aiohttp.ClientSession() as session:
        ws = await _open(session, server, org.owner.access_token)
        texts = []
        async with asyncio.timeout(GUARD):
            while True:  # never answers a ping
                msg = await ws.receive()
                if msg.type is not WSMsgType.TEXT:
                    break
                texts.append(msg.data)
        assert texts[-1] == "2"  # pinged, then closed: nothing else came
        assert ws.closed
    # python-socketio forgets a socket's environ in its disconnect handling.
    await eventually(lambda: not sio.eio.sockets and not sio.environ, GUARD)
    assert not any(sio.eio.ping_wheel.slots.values())


async def test_a_polling_session_still_connects_and_is_not_a_websocket_session(
    make_app: AppFactory, aiohttp_server: ServerFactory, aiohttp_client: ClientFactory
) -> None:
    server = await aiohttp_server(make_app())
    org = await make_org(await aiohttp_client(server))
    peer = Peer()
    await peer.client.connect(
        str(server.make_url("/")),
        auth={"token": org.owner.access_token},
        transports=["polling"],
        wait_timeout=5,
    )
    try:
        await peer.wait_for("session")
        (sock,) = server.app[SIO].eio.sockets.values()
        assert not isinstance(sock, WebSocketSession)
        ack = await peer.call("presence:list", {"organization_id": org.id})
        assert ack["ok"], ack
    finally:
        await peer.close()


def test_the_environ_reads_as_engineio_would_have_copied_it() -> None:
    request = make_mocked_request(
        "GET",
        WEBSOCKET + "&x=1",
        headers={
            "Host": "example.org",
            "Origin": "https://app.example.org",
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Content-Type": "text/plain",
            "Content-Length": "0",
            "X-Forwarded-Proto": "https",
            "Accept-Encoding": "gzip",
        },
    )
    environ = RequestEnviron(request)
    assert dict(environ) == translate_request(request)
    assert environ["wsgi.url_scheme"] == "https"
    assert "HTTP_COOKIE" not in environ and environ.get("HTTP_COOKIE") is None
    assert environ["aiohttp.request"] is request


async def test_sockets_have_no_stored_room_of_their_own_yet_hear_what_is_sent_to_them(
    make_app: AppFactory, aiohttp_server: ServerFactory, aiohttp_client: ClientFactory
) -> None:
    server = await aiohttp_server(make_app())
    org = await make_org(await aiohttp_client(server))
    sio = server.app[SIO]
    peers = [await connected(server, org.owner.access_token) for _ in range(3)]
    try:
        sids = [sid for sid, _ in sio.manager.get_participants("/", None)]
        assert len(sids) == 3
        assert not set(sids) & set(sio.manager.rooms["/"])
        for sid in sids:
            assert sid in sio.rooms(sid)
            assert list(sio.manager.get_participants("/", sid)) == [
                (sid, sio.manager.eio_sid_from_sid(sid, "/"))
            ]
        await sio.emit("probe", {"to": sids[1]}, to=sids[1])
        await sio.emit("probe", {"to": "two"}, to=[sids[0], sids[2]])
        for peer in peers:
            await peer.wait_for("probe")
        assert [p.events["probe"] for p in peers] == [
            [{"to": "two"}],
            [{"to": sids[1]}],
            [{"to": "two"}],
        ]
    finally:
        for peer in peers:
            await peer.close()
    await eventually(lambda: not sio.manager.rooms.get("/", {}).get(None), GUARD)


class _Transport:
    def __init__(self) -> None:
        self.frames: list[bytes] = []
        self.backlog = 0  # bytes the kernel has not taken yet

    def is_closing(self) -> bool:
        return False

    def get_write_buffer_size(self) -> int:
        return self.backlog

    def write(self, frame: bytes) -> None:
        self.frames.append(frame)


class _Writer:
    def __init__(self, transport: _Transport) -> None:
        self.transport = transport


class _WebSocket:
    """What an Outbox uses of aiohttp's WebSocketResponse; writes through aiohttp (the
    flush) land on the same transport as direct ones, as they do in aiohttp."""

    compress = 0

    def __init__(self) -> None:
        self.transport = _Transport()
        self._writer = _Writer(self.transport)
        self.closed = False

    async def send_str(self, data: str) -> None:
        await asyncio.sleep(0)  # aiohttp may wait for the transport to drain
        self.transport.write(websocket_frame(data))

    async def send_bytes(self, data: bytes) -> None:
        await asyncio.sleep(0)
        self.transport.write(websocket_frame(data))

    async def close(self) -> None:
        self.closed = True


def _texts(writes: list[bytes]) -> list[str]:
    """The short text frames of `writes` (2-byte headers), in order; one write may carry
    several (the frames one turn of the event loop corked)."""
    texts = []
    for data in writes:
        while data:
            length = data[1] & 0x7F
            texts.append(data[2 : 2 + length].decode())
            data = data[2 + length :]
    return texts


async def test_the_outbox_keeps_order_through_a_slow_transport_and_closes_after_the_rest() -> None:
    outbox = Outbox()
    outbox.put_nowait(Packet(MESSAGE, "before the websocket"))
    ws = _WebSocket()
    outbox.attach(ws)  # type: ignore[arg-type]
    assert outbox.send(Packet(MESSAGE, "direct"))
    ws.transport.backlog = TRANSPORT_BUFFER_LIMIT + 1  # the client reads slowly
    assert not outbox.send(Packet(MESSAGE, "queued 1"))
    ws.transport.backlog = 0
    # Nothing overtakes what waits, even with the transport free again.
    assert not outbox.send(Packet(MESSAGE, "queued 2"))
    assert not outbox.empty()
    await outbox.join()
    assert outbox.empty()
    assert outbox.send(Packet(MESSAGE, "direct again"))
    outbox.put_nowait(None)
    outbox.put_nowait(None)  # closing twice is closing once
    await outbox.join()
    assert ws.closed
    assert not outbox.send(Packet(MESSAGE, "after the end"))
    assert _texts(ws.transport.frames) == [
        "4before the websocket",
        "4direct",
        "4queued 1",
        "4queued 2",
        "4direct again",
    ]


async def test_what_one_turn_sends_leaves_in_one_write_at_its_end() -> None:
    outbox = Outbox()
    ws = _WebSocket()
    outbox.attach(ws)  # type: ignore[arg-type]
    # A group commit publishing three sends to a member of the room, in one turn.
    assert all(outbox.send(Packet(MESSAGE, text)) for text in ("one", "two", "three"))
    assert ws.transport.frames == []  # corked until the turn ends
    await asyncio.sleep(0)
    assert len(ws.transport.frames) == 1
    assert _texts(ws.transport.frames) == ["4one", "4two", "4three"]
    assert outbox.send(Packet(MESSAGE, "next turn"))
    outbox.put_nowait(None)  # the end writes what was corked before it closes
    await outbox.join()
    assert _texts(ws.transport.frames) == ["4one", "4two", "4three", "4next turn"]
    assert ws.closed
