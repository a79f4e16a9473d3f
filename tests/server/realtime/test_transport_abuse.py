"""Issue 15 on the real engine.io transports: an oversized long-polling POST is answered
at once and frees its session (also over 200 of them), and a payload nested past
MAX_JSON_DEPTH gets the same refusal as over REST."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import tracemalloc
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.keys import SIO
from tests.conftest import AppFactory
from tests.factories import Client
from tests.server.realtime.chatkit import make_org
from tests.sio import connected

POLLING = "/socket.io/?EIO=4&transport=polling"
# A guard against a hang, never a timing assertion: a refused POST comes back at once.
ANSWER_WITHIN = 10


async def handshake(session: aiohttp.ClientSession, base: str) -> str:
    """An engine.io polling session (no token needed for this step)."""
    async with session.get(base + POLLING) as resp:
        assert resp.status == 200
        text = await resp.text()
    return str(json.loads(text[1:])["sid"])


async def raw_post(host: str, port: int, sid: str, length: int, sent: bytes) -> bytes:
    """A POST announcing `length` bytes and sending only `sent`: the attacker's stall."""
    reader, writer = await asyncio.open_connection(host, port)
    head = (
        f"POST {POLLING}&sid={sid} HTTP/1.1\r\nHost: {host}\r\n"
        f"Content-Type: text/plain\r\nContent-Length: {length}\r\n\r\n"
    ).encode()
    writer.write(head + sent)
    await writer.drain()
    try:
        return await asyncio.wait_for(reader.read(4096), ANSWER_WITHIN)
    finally:
        writer.close()


async def test_an_oversized_polling_post_is_answered_at_once_and_frees_its_session(
    aiohttp_server: Callable[[web.Application], Awaitable[TestServer]], make_app: AppFactory
) -> None:
    server = await aiohttp_server(make_app())
    eio = server.app[SIO].eio
    cap = eio.max_http_buffer_size
    base = str(server.make_url(""))
    async with aiohttp.ClientSession() as session:
        sid = await handshake(session, base)
        assert sid in eio.sockets
        # The body is announced but never sent: the answer must not wait for it.
        answer = await raw_post(server.host, server.port, sid, cap + 1, b"4x")
        status_line, _, rest = answer.partition(b"\r\n")
        assert status_line == b"HTTP/1.1 413 Request Entity Too Large", answer
        assert b"application/problem+json" in rest and b'"payload_too_large"' in rest
        assert sid not in eio.sockets
        # The session is gone for the client too.
        async with session.get(f"{base}{POLLING}&sid={sid}") as resp:
            assert resp.status == 400
        # A POST within the cap still works on a fresh session.
        other = await handshake(session, base)
        async with session.post(f"{base}{POLLING}&sid={other}", data=b"3") as resp:
            assert resp.status == 200


async def test_a_chunked_polling_post_is_refused_and_frees_its_session(
    aiohttp_server: Callable[[web.Application], Awaitable[TestServer]], make_app: AppFactory
) -> None:
    server = await aiohttp_server(make_app())
    eio = server.app[SIO].eio
    base = str(server.make_url(""))

    async def endless() -> Any:
        yield b"4"
        yield b"x" * 1000

    async with aiohttp.ClientSession() as session:
        sid = await handshake(session, base)
        async with session.post(f"{base}{POLLING}&sid={sid}", data=endless()) as resp:
            assert resp.status == 400
            assert (await resp.json(content_type=None))["code"] == "bad_request"
        assert sid not in eio.sockets


async def test_a_polling_post_engine_io_refuses_is_answered_at_once_and_frees_its_session(
    aiohttp_server: Callable[[web.Application], Awaitable[TestServer]], make_app: AppFactory
) -> None:
    """Unknown packet types used to hang the POST like an oversized one (engine.io
    waited for the client to poll its CLOSE packet)."""
    server = await aiohttp_server(make_app())
    eio = server.app[SIO].eio
    base = str(server.make_url(""))
    async with aiohttp.ClientSession() as session:
        for garbage in [b"6", b"9", b"\x1e\x1e", b"1"]:
            sid = await handshake(session, base)
            post = session.post(f"{base}{POLLING}&sid={sid}", data=garbage)
            async with await asyncio.wait_for(post, ANSWER_WITHIN) as resp:
                status = resp.status
            # 400: engine.io refused it and ended the session; 200: it ignored the packet.
            assert status in {200, 400}, garbage
            assert (sid in eio.sockets) is (status == 200), garbage
            if garbage == b"6":
                assert status == 400


async def test_two_hundred_oversized_posts_leave_no_session_and_no_memory_behind(
    aiohttp_server: Callable[[web.Application], Awaitable[TestServer]], make_app: AppFactory
) -> None:
    server = await aiohttp_server(make_app())
    eio = server.app[SIO].eio
    cap = eio.max_http_buffer_size
    base = str(server.make_url(""))

    async def one(session: aiohttp.ClientSession) -> None:
        sid = await handshake(session, base)
        answer = await raw_post(server.host, server.port, sid, cap * 4, b"4" + b"x" * 1000)
        assert answer.startswith(b"HTTP/1.1 413"), answer

    async with aiohttp.ClientSession() as session:
        for _ in range(20):  # warm caches, pools and lazily built objects
            await one(session)
        await asyncio.sleep(0)
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.take_snapshot()
            for _ in range(200):
                await one(session)
            await asyncio.sleep(0)
            gc.collect()
            after = tracemalloc.take_snapshot()
        finally:
            tracemalloc.stop()
    assert eio.sockets == {}
    # Count what the transports' code allocated (engine.io, Socket.IO, aiohttp, ours):
    # in a long test session, tasks left by earlier tests (Redis listeners, pools) also
    # allocate meanwhile, and they are not what this test is about.
    ours = [
        tracemalloc.Filter(True, pattern)
        for pattern in ("*engineio*", "*socketio*", "*aiohttp*", "*/server/*")
    ]
    before, after = before.filter_traces(ours), after.filter_traces(ours)
    grown = sum(s.size_diff for s in after.compare_to(before, "filename"))
    # Before the fix each stalled POST kept its request, session and queue (about 10 KB):
    # 200 of them grew the heap by megabytes. Allow a little noise (logs, metrics).
    assert grown < 256 * 1024, [str(s) for s in after.compare_to(before, "lineno")[:10]]


async def test_a_socket_payload_past_max_json_depth_gets_the_rest_refusal(
    aiohttp_server: Callable[[web.Application], Awaitable[TestServer]],
    make_app: AppFactory,
    aiohttp_client: Callable[[TestServer], Awaitable[Client]],
) -> None:
    server = await aiohttp_server(make_app(max_json_depth=8))
    http = await aiohttp_client(server)
    org = await make_org(http)
    peer = await connected(server, org.owner.access_token)
    try:
        deep: Any = {"status": "online"}
        for _ in range(8):
            deep = {"status": deep}
        ack = await peer.call("presence:set", deep)
        assert ack["ok"] is False
        assert ack["error"] == {
            "code": "validation_error",
            "message": "JSON may be nested at most 8 levels deep",
        }
        assert (await peer.call("presence:set", {"status": "away"}))["ok"] is True
    finally:
        await peer.close()


# Raw engine.io polling payloads: what a hand-written client can put in a POST that
# python-socketio's client never would (issue 15, transport-level fuzz).
_PACKETS = st.one_of(
    st.sampled_from(["0", "1", "2", "3", "5", "6", "7", "9", "", "4", "40", "41", "44"]),
    st.integers(1, 20_000).map(lambda d: '42["presence:set",' + "[" * d + "]" * d + "]"),
    st.integers(1, 20_000).map(lambda d: "42" + "{" * d),
    st.text(max_size=60).map(lambda t: "4" + t),
    st.sampled_from(['451-["x",{"_placeholder":true,"num":0}]', '42/nope,["x"]', "4" + "9" * 40]),
    st.binary(max_size=40).map(lambda b: "b" + b.hex()),
)


async def test_raw_polling_payloads_never_hang_or_break_the_server(
    aiohttp_server: Callable[[web.Application], Awaitable[TestServer]],
    make_app: AppFactory,
    aiohttp_client: Callable[[TestServer], Awaitable[Client]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = await aiohttp_server(make_app())
    http = await aiohttp_client(server)
    org = await make_org(http)
    base = str(server.make_url(""))
    loop = asyncio.get_running_loop()
    session = aiohttp.ClientSession()

    async def send(packets: list[str]) -> None:
        sid = await handshake(session, base)
        body = "\x1e".join(packets).encode()
        post = session.post(f"{base}{POLLING}&sid={sid}", data=body)
        async with await asyncio.wait_for(post, ANSWER_WITHIN) as resp:
            assert resp.status in {200, 400, 413}, (packets, resp.status)

    @settings(max_examples=60, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(packets=st.lists(_PACKETS, min_size=1, max_size=4))
    def fuzz(packets: list[str]) -> None:
        asyncio.run_coroutine_threadsafe(send(packets), loop).result(timeout=30)

    try:
        await asyncio.to_thread(fuzz)
        peer = await connected(server, org.owner.access_token)
        assert (await peer.call("presence:set", {"status": "online"}))["ok"] is True
        await peer.close()
    finally:
        await session.close()
    # engine.io drops a packet it or python-socketio cannot decode and logs it with one
    # of its own two lines; anything else at ERROR is a crash.
    dropped = {"message async handler error", "post request handler error"}
    crashes = [
        r for r in caplog.records if r.levelno >= logging.ERROR and r.getMessage() not in dropped
    ]
    assert not crashes, [r.getMessage() for r in crashes]
