"""Property-based fuzzing of every client event (contract section 3) from a real connected
Socket.IO client: whatever the payload, the answer is an ack with a known error code (or
a valid ok ack), the connection stays up and the server still answers a normal event.

Hypothesis runs in a worker thread (it has no async tests); each example is sent through
the event loop of the test, where the server and the `Peer` live.
"""

from __future__ import annotations

import asyncio
import json
import string
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocol import events
from protocol.errors import ErrorCode
from server.keys import SIO
from tests.conftest import AppFactory
from tests.factories import Client
from tests.server.realtime.chatkit import make_org
from tests.sio import connected

T = TypeVar("T")

# Contract section 3, client to server, the board writes of protocol/project_events.py
# and the token refresh of protocol/events.py.
CLIENT_EVENTS = (
    "channel:join",
    "channel:leave",
    "message:send",
    "message:edit",
    "message:delete",
    "message:history",
    "message:thread",
    "message:pin",
    "message:unpin",
    "sync",
    "reaction:add",
    "reaction:remove",
    "typing",
    "channel:read",
    "presence:set",
    "presence:list",
    "notification:list",
    "notification:read",
    "project:subscribe",
    "project:unsubscribe",
    "task:create",
    "task:update",
    "task:move",
    "task:delete",
    "milestone:update",
    events.AUTH_REFRESH,
)
# Field names the events take, so generated objects often carry a known field of a wrong type.
FIELDS = (
    "channel", "type", "id", "content", "client_msg_id", "parent_id", "message_id", "emoji",
    "before_seq", "after_seq", "limit", "cursors", "typing", "seq", "status", "organization_id",
    "cursor", "unread_only", "ids", "all", "project_id", "token", "projet_id", "task",
    "task_id", "milestone_id", "expected_version", "changes", "move",
)  # fmt: skip
CODES = {code.value for code in ErrorCode}
RESERVED = {"connect", "disconnect", "connect_error", "message", "error"}

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**64)
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
    | st.sampled_from(["", "\x00", "x" * 100_001, "é" * 5000, "online", "organization"])
    | st.uuids().map(str)
    # Dates at and past the ends of the calendar (issue 15), and text that is no valid
    # UTF-8 once decoded (lone surrogates).
    | st.sampled_from(
        ["9999-12-31", "0001-01-01", "2200-12-31", "9999-12-31T23:59:59+14:00", "9999-W52"]
    )
    | st.sampled_from(["\ud800", "a\udfffb", "\ufffe\uffff"])
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
# Past MAX_JSON_DEPTH (32) and orjson's limit (255 to dump); deeper than the client's
# own json can encode goes as raw frames (test_transport_abuse.py).
deep = st.integers(min_value=30, max_value=900).map(lambda n: _nest(n))
payloads = (
    json_values
    | st.dictionaries(st.sampled_from(FIELDS), json_values, min_size=1, max_size=4)
    | deep
)
unknown_events = st.text(string.printable, min_size=1, max_size=30).filter(
    lambda name: name not in CLIENT_EVENTS and name not in RESERVED
)


@pytest.fixture
async def server(
    make_app: AppFactory, aiohttp_server: Callable[[web.Application], Awaitable[TestServer]]
) -> TestServer:
    """A listening server whose event rate limit the fuzz does not reach."""
    return await aiohttp_server(make_app(socket_events_per_second=1e6, socket_event_burst=10**6))


@pytest.fixture
async def http(
    server: TestServer,
    aiohttp_client: Callable[[TestServer], Awaitable[TestClient[web.Request, web.Application]]],
) -> Client:
    return await aiohttp_client(server)


def _nest(depth: int) -> Any:
    value: Any = "bottom"
    for i in range(depth):
        value = [value] if i % 2 else {"channel": value}
    return value


def _under_cap(args: list[Any]) -> bool:
    """Within the default frame cap (128 KiB): a bigger frame costs the socket its
    connection, as the last test shows."""
    return len(json.dumps(args).encode()) < 120_000


def _check_ack(event: str, ack: Any) -> None:
    assert isinstance(ack, dict), (event, ack)
    if ack.get("ok") is True:
        assert "data" in ack, (event, ack)
        return
    assert ack.get("ok") is False, (event, ack)
    error = ack["error"]
    assert error["code"] in CODES, (event, ack)
    assert error["code"] != ErrorCode.INTERNAL, (event, ack)  # the socket twin of a 500
    assert isinstance(error["message"], str) and error["message"], (event, ack)


async def test_the_fuzzed_events_are_every_registered_client_event(server: TestServer) -> None:
    registered = set(server.app[SIO].handlers["/"]) - {"connect", "disconnect", "*"}
    assert registered == set(CLIENT_EVENTS)


@pytest.mark.filterwarnings("ignore:Generating overly large repr")
async def test_every_event_survives_any_payload_with_a_known_error_code(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    peer = await connected(server, org.owner.access_token)
    loop = asyncio.get_running_loop()

    def run(coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=30)

    async def still_answers() -> None:
        assert peer.client.connected, "the server dropped the connection"
        ack = await peer.call("presence:set", {"status": "online"}, timeout=10)
        assert ack == {"ok": True, "data": {"status": "online"}}, ack

    async def send(event: str, args: list[Any], with_ack: bool) -> None:
        if with_ack:
            data = tuple(args) if len(args) != 1 else args[0]
            _check_ack(event, await peer.client.call(event, data, timeout=10))
        else:
            await peer.client.emit(event, tuple(args) if len(args) != 1 else args[0])
        await still_answers()

    @settings(
        max_examples=250,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        event=st.sampled_from(CLIENT_EVENTS) | unknown_events,
        args=(st.lists(payloads, min_size=1, max_size=3) | st.just([])).filter(_under_cap),
        with_ack=st.booleans(),
    )
    def fuzz(event: str, args: list[Any], with_ack: bool) -> None:
        run(send(event, args, with_ack))

    try:
        await asyncio.to_thread(fuzz)
    finally:
        await peer.close()


async def test_a_frame_past_the_cap_drops_only_that_socket(
    server: TestServer, http: Client
) -> None:
    """The one payload that does cost the connection: a frame over MAX_SOCKET_FRAME_BYTES
    (the fuzz above stays under it). Other sockets and the server carry on."""
    org = await make_org(http)
    victim = await connected(server, org.owner.access_token)
    bystander = await connected(server, org.owner.access_token)
    cap = server.app[SIO].eio.max_http_buffer_size
    dropped = asyncio.Event()
    victim.client.on("disconnect", lambda *_: dropped.set())
    try:
        await victim.client.emit("message:send", {"content": "x" * (cap + 1)})
        await asyncio.wait_for(dropped.wait(), timeout=10)
        ack = await bystander.call("presence:set", {"status": "away"})
        assert ack["ok"], ack
    finally:
        await victim.close()
        await bystander.close()
