"""The fan-out path (server/realtime/fanout.py) against real clients, each test run with
the fast path, with python-socketio's own path, and with websocket compression on: every
recipient gets each broadcast exactly once, in order with the direct emits and acks to it,
over websocket and long-polling, python-socketio and the Node socket.io-client alike."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from server.metrics import broadcast_deliveries
from server.realtime.fanout import EngineServer
from server.settings import Settings
from tests.jsclient import ensure_node_client, run_scenario
from tests.server.realtime.fanoutkit import (
    Recorder,
    burst_app,
    expected_sender_log,
    members,
    new_room,
    wait_members,
)

ServerFactory = Callable[[web.Application], Awaitable[TestServer]]
MODES = {
    "fast": {"fast_fanout": True},
    "library": {"fast_fanout": False},
    "fast-compressed": {"fast_fanout": True, "websocket_compression": True},
}


@pytest.fixture(scope="module", autouse=True)
def _node_client() -> None:
    ensure_node_client()


@pytest.fixture(params=list(MODES))
def mode(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    return settings.model_copy(update=MODES[request.param])


async def _connected(url: str, transports: list[str]) -> list[Recorder]:
    recorders = [Recorder(t) for t in transports]
    await asyncio.gather(*(r.connect(url) for r in recorders))
    return recorders


def _delivered() -> float:
    return broadcast_deliveries._value.get()  # type: ignore[attr-defined, no-any-return]


def _assert_path(mode: Settings, eio: EngineServer) -> None:
    """The fast path wrote frames itself; the library path never did."""
    if mode.fast_fanout:
        assert eio.direct_writes > 0
    else:
        assert eio.direct_writes == 0


async def test_each_recipient_gets_every_broadcast_once_in_order_with_direct_emits_and_acks(
    mode: Settings, aiohttp_server: ServerFactory
) -> None:
    room = new_room()
    app, sio = burst_app(mode, room)
    url = str((await aiohttp_server(app)).make_url("/"))
    senders = await _connected(url, ["websocket", "polling"])
    others = await _connected(url, ["websocket", "websocket", "polling", "polling"])
    await wait_members(sio, room, 6)
    n = 40
    before = _delivered()
    try:
        # Two senders at once: each one's broadcasts interleave with the other's.
        for tag, sender in zip(("s0", "s1"), senders, strict=True):
            sender.emit_with_ack("burst", {"n": n, "tag": tag})
        for sender in senders:
            await sender.wait_until(lambda s=sender: bool(s.of("ack")))
        everyone = senders + others
        for peer in everyone:
            await peer.wait_until(lambda p=peer: len(p.of("b")) >= 2 * n)
        await asyncio.sleep(0.2)  # anything sent twice would arrive now

        for tag, sender in zip(("s0", "s1"), senders, strict=True):
            own = [(e, d) for e, d in sender.log if e == "ack" or d["tag"] == tag]
            assert own == expected_sender_log(tag, n, skip_self=False)
        for peer in everyone:
            for tag in ("s0", "s1"):
                got = [d["i"] for d in peer.of("b") if d["tag"] == tag]
                assert got == list(range(n)), (peer.transport, tag)
        for peer in others:
            assert {event for event, _ in peer.log} == {"b"}
        _assert_path(mode, sio.eio)
        if mode.fast_fanout:
            # 2 senders x n x (a broadcast to 6 sockets + `d` to the sender; `q` has a
            # callback, so it takes the library's path, which counts nothing).
            assert _delivered() - before == 2 * n * (6 + 1)
    finally:
        await asyncio.gather(*(p.close() for p in senders + others))


async def test_a_broadcast_skips_the_excluded_socket_only(
    mode: Settings, aiohttp_server: ServerFactory
) -> None:
    room = new_room()
    app, sio = burst_app(mode, room)
    url = str((await aiohttp_server(app)).make_url("/"))
    sender, *others = await _connected(url, ["websocket", "websocket", "polling"])
    await wait_members(sio, room, 3)
    n = 20
    try:
        sender.emit_with_ack("burst", {"n": n, "tag": "x", "skip_self": True})
        await sender.wait_until(lambda: bool(sender.of("ack")))
        for peer in others:
            await peer.wait_until(lambda p=peer: len(p.of("b")) >= n)
        await asyncio.sleep(0.2)
        assert sender.log == expected_sender_log("x", n, skip_self=True)
        for peer in others:
            assert peer.log == [("b", {"tag": "x", "i": i}) for i in range(n)]
    finally:
        await asyncio.gather(*(p.close() for p in [sender, *others]))


def _node_receivers(url: str, transport: str, n: int) -> dict[str, Any]:
    names = [f"{transport}-{i}" for i in range(2)]
    steps: list[dict[str, Any]] = [{"client": name, "connect": True} for name in names]
    steps += [{"client": name, "wait_event": "b", "count": n} for name in names]
    steps.append({"sleep_ms": 300})
    return {
        "url": url.rstrip("/"),
        "transports": [transport],
        "timeout_ms": 20000,
        "clients": [{"name": name} for name in names],
        "steps": steps,
    }


async def test_node_clients_over_websocket_and_polling_get_every_broadcast_once_in_order(
    mode: Settings, aiohttp_server: ServerFactory
) -> None:
    room = new_room()
    app, sio = burst_app(mode, room)
    url = str((await aiohttp_server(app)).make_url("/"))
    n = 30
    runs = [
        asyncio.ensure_future(run_scenario(_node_receivers(url, t, n), timeout=60))
        for t in ("websocket", "polling")
    ]
    try:
        async with asyncio.timeout(30):
            while members(sio, room) < 4:
                assert not any(run.done() for run in runs), [r.result() for r in runs if r.done()]
                await asyncio.sleep(0.02)
        (sender,) = await _connected(url, ["websocket"])
        try:
            sender.emit_with_ack("burst", {"n": n, "tag": "js"})
            await sender.wait_until(lambda: bool(sender.of("ack")))
            assert sender.log == expected_sender_log("js", n, skip_self=False)
        finally:
            await sender.close()
        for out in await asyncio.gather(*runs):
            assert all(step["ok"] for step in out["steps"]), out["steps"]
            for events in out["events"].values():
                assert events == [{"event": "b", "data": {"tag": "js", "i": i}} for i in range(n)]
        _assert_path(mode, sio.eio)
    finally:
        for run in runs:
            run.cancel()


async def test_a_polling_client_that_leaves_ends_its_pending_long_poll(
    settings: Settings, aiohttp_server: ServerFactory
) -> None:
    """python-socketio's graceful polling disconnect waits for its pending GET, which the
    library would hold for ping_interval + ping_timeout (45 s)."""
    room = new_room()
    app, sio = burst_app(settings, room)
    url = str((await aiohttp_server(app)).make_url("/"))
    (peer,) = await _connected(url, ["polling"])
    await wait_members(sio, room, 1)
    async with asyncio.timeout(10):
        await peer.close()
    assert members(sio, room) == 0
