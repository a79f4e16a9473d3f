"""Connecting over Socket.IO: authentication, the session event, acks, token lifetime."""

from __future__ import annotations

import asyncio

import pytest
import socketio
from aiohttp.test_utils import TestClient, TestServer

from tests.conftest import AppFactory
from tests.factories import register
from tests.sio import Peer, connected


async def _refused(server: TestServer, token: str | None) -> dict[str, str]:
    peer = Peer()
    with pytest.raises(socketio.exceptions.ConnectionError):
        await peer.connect(server, token)
    # On the wire: {message, data}; socket.io-client exposes them as err.message / err.data.
    assert isinstance(peer.connect_error, dict)
    assert peer.connect_error["message"] == peer.connect_error["data"]["message"]
    return peer.connect_error["data"]


@pytest.mark.parametrize("token", [None, "", "not-a-jwt"])
async def test_connect_without_a_valid_token_is_refused_with_unauthorized(
    server: TestServer, token: str | None
) -> None:
    error = await _refused(server, token)
    assert error["code"] == "unauthorized"
    assert error["message"]


async def test_connect_with_a_token_gets_the_session_event(
    server: TestServer,
    http: TestClient,  # type: ignore[type-arg]
) -> None:
    user = await register(http)
    peer = await connected(server, user.access_token)
    try:
        (session,) = peer.events["session"]
        assert session["user_id"] == str(user.id)
        assert session["organizations"] == []
        assert session["server_time"] and session["expires_at"]
    finally:
        await peer.close()


async def test_token_of_an_ended_session_is_refused(
    server: TestServer,
    http: TestClient,  # type: ignore[type-arg]
) -> None:
    user = await register(http)
    resp = await http.post("/api/v1/auth/logout", json={}, headers=user.headers)
    assert resp.status == 204
    assert (await _refused(server, user.access_token))["code"] == "unauthorized"


async def test_unknown_event_and_malformed_payload_get_error_acks_and_keep_the_socket(
    server: TestServer,
    http: TestClient,  # type: ignore[type-arg]
) -> None:
    user = await register(http)
    peer = await connected(server, user.access_token)
    try:
        ack = await peer.call("no:such:event", {"x": 1})
        assert ack["ok"] is False and ack["error"]["code"] == "validation_error"
        for bad in ({"token": 42}, {"token": "x", "extra": True}, "just a string", [1, 2]):
            ack = await peer.call("auth:refresh", bad)
            assert ack["ok"] is False, bad
            assert ack["error"]["code"] == "validation_error", bad
            assert "Traceback" not in str(ack)
        ack = await peer.call("auth:refresh")
        assert ack["error"]["code"] == "validation_error"
        assert peer.client.connected
    finally:
        await peer.close()


async def test_refresh_with_another_users_token_is_unauthorized(
    server: TestServer,
    http: TestClient,  # type: ignore[type-arg]
) -> None:
    alice, bob = await register(http), await register(http)
    peer = await connected(server, alice.access_token)
    try:
        ack = await peer.call("auth:refresh", {"token": bob.access_token})
        assert ack == {
            "ok": False,
            "error": {"code": "unauthorized", "message": "token belongs to another user"},
        }
    finally:
        await peer.close()


async def test_socket_is_told_and_disconnected_when_its_token_expires(
    make_app: AppFactory,
    aiohttp_server,
    aiohttp_client,  # type: ignore[no-untyped-def]
) -> None:
    server = await aiohttp_server(make_app(access_token_ttl_seconds=3))
    http = await aiohttp_client(server)
    user = await register(http)
    peer = await connected(server, user.access_token)
    (expired,) = await peer.wait_for("auth:expired", timeout=10)
    assert "expired" in expired["message"]
    for _ in range(50):
        if not peer.client.connected:
            break
        await asyncio.sleep(0.05)
    assert not peer.client.connected


async def test_refreshing_the_token_keeps_the_socket_past_the_first_expiry(
    make_app: AppFactory,
    aiohttp_server,
    aiohttp_client,  # type: ignore[no-untyped-def]
) -> None:
    server = await aiohttp_server(make_app(access_token_ttl_seconds=4))
    http = await aiohttp_client(server)
    user = await register(http)
    peer = await connected(server, user.access_token)
    try:
        await asyncio.sleep(2)
        login = await http.post("/api/v1/auth/refresh", json={"refresh_token": user.refresh_token})
        fresh = (await login.json())["access_token"]
        ack = await peer.call("auth:refresh", {"token": fresh})
        assert ack["ok"] is True and ack["data"]["expires_at"]
        await asyncio.sleep(3)  # past the first token's expiry
        assert peer.client.connected
        assert peer.events["auth:expired"] == []
    finally:
        await peer.close()
