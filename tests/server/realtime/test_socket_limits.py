"""Abuse limits of Socket.IO: sockets per user, frame size."""

from __future__ import annotations

from typing import Any

import pytest
import socketio
from pydantic import ValidationError

from server.settings import Settings
from tests.conftest import TEST_JWT_SECRET, AppFactory
from tests.factories import register
from tests.server.realtime.chatkit import joined, make_org
from tests.sio import Peer, connected


async def test_the_socket_over_the_per_user_cap_is_refused_with_rate_limited(
    make_app: AppFactory, aiohttp_server: Any, aiohttp_client: Any
) -> None:
    server = await aiohttp_server(make_app(max_sockets_per_user=2))
    http = await aiohttp_client(server)
    user, other = await register(http), await register(http)
    peers = [await connected(server, user.access_token) for _ in range(2)]
    extra = Peer()
    with pytest.raises(socketio.exceptions.ConnectionError):
        await extra.connect(server, user.access_token)
    assert extra.connect_error["data"]["code"] == "rate_limited"
    assert extra.connect_error["data"]["details"] == {"max_sockets_per_user": 2}
    # Someone else is not affected, and closing one socket frees a place.
    bystander = await connected(server, other.access_token)
    await peers.pop().close()
    again = Peer()
    await again.connect(server, user.access_token)
    await again.wait_for("session")
    for peer in [*peers, bystander, again]:
        await peer.close()


@pytest.mark.redis
async def test_the_socket_cap_counts_sockets_on_every_process(
    make_app: AppFactory, aiohttp_server: Any, aiohttp_client: Any
) -> None:
    first = await aiohttp_server(make_app(max_sockets_per_user=2))
    second = await aiohttp_server(make_app(max_sockets_per_user=2))
    user = await register(await aiohttp_client(first))
    peers = [await connected(first, user.access_token), await connected(second, user.access_token)]
    extra = Peer()
    with pytest.raises(socketio.exceptions.ConnectionError):
        await extra.connect(first, user.access_token)
    assert extra.connect_error["data"]["code"] == "rate_limited"
    for peer in peers:
        await peer.close()


async def test_a_frame_over_the_cap_is_refused_and_a_message_under_it_is_not(
    make_app: AppFactory, aiohttp_server: Any, aiohttp_client: Any
) -> None:
    server = await aiohttp_server(make_app(max_socket_frame_bytes=64 * 1024))
    http = await aiohttp_client(server)
    org = await make_org(http)
    peer = await joined(server, org.owner, org.ref())
    try:
        longest = {"channel": org.ref(), "content": "é" * 4000, "client_msg_id": "a"}
        assert (await peer.call("message:send", longest))["ok"]
        huge = {"channel": org.ref(), "content": "x" * (70 * 1024), "client_msg_id": "b"}
        with pytest.raises(socketio.exceptions.TimeoutError):
            await peer.call("message:send", huge, timeout=3)
        await peer.wait_until(lambda: not peer.client.connected, timeout=10)
    finally:
        await peer.close()
    # The connection was dropped, nothing stored: a new socket sees one message only.
    again = await joined(server, org.owner, org.ref())
    try:
        ack = await again.call("message:history", {"channel": org.ref()})
        assert [m["client_msg_id"] for m in ack["data"]["messages"]] == ["a"]
    finally:
        await again.close()


@pytest.mark.parametrize("size", [1024, 63 * 1024, 257 * 1024, 16 * 1024 * 1024])
def test_the_frame_cap_setting_stays_within_64_to_256_kib(size: int) -> None:
    with pytest.raises(ValidationError, match="max_socket_frame_bytes"):
        Settings(jwt_secret=TEST_JWT_SECRET, max_socket_frame_bytes=size)
