"""Revocation ends sockets: logout, logout everywhere and a reused refresh token end the
sockets of the sessions they revoke, `auth:expired` first; `auth:refresh` refuses a
token of a revoked session. Rights that cannot be re-checked end the socket too."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from server.realtime import live_rights
from tests.factories import PASSWORD, Client, User, add_member, create_org, expect, register
from tests.sio import Peer, connected


async def login(http: Client, user: User) -> dict[str, Any]:
    """A second login session (another refresh-token family) of `user`."""
    body = {"email": user.email, "password": PASSWORD}
    return dict(await expect(await http.post("/api/v1/auth/login", json=body), 200))


async def ended(peer: Peer) -> None:
    """`auth:expired`, then the server's disconnect, and nothing between."""
    await peer.wait_until(lambda: any(e == "disconnect" for e, _ in peer.arrivals), timeout=5)
    names = [e for e, _ in peer.arrivals]
    assert names[-2:] == ["auth:expired", "disconnect"], names
    assert "session ended" in peer.events["auth:expired"][0]["message"]


async def test_logout_ends_the_sockets_of_that_session_only(
    server: TestServer, http: Client
) -> None:
    user = await register(http)
    other = await login(http, user)
    first = await connected(server, user.access_token)
    second = await connected(server, other["access_token"])
    try:
        body = {"refresh_token": user.refresh_token}
        resp = await http.post("/api/v1/auth/logout", json=body, headers=user.headers)
        assert resp.status == 204
        await ended(first)
        assert second.client.connected
        # The revoked session's access token no longer extends anything.
        ack = await second.call("auth:refresh", {"token": user.access_token})
        assert ack["error"]["code"] == "unauthorized"
        fresh = await http.post(
            "/api/v1/auth/refresh", json={"refresh_token": other["refresh_token"]}
        )
        tokens = await expect(fresh, 200)
        ack = await second.call("auth:refresh", {"token": tokens["access_token"]})
        assert ack["ok"], ack
        assert second.client.connected
    finally:
        await first.close()
        await second.close()


async def test_logout_everywhere_ends_every_socket_of_the_user(
    server: TestServer, http: Client
) -> None:
    user, bystander = await register(http), await register(http)
    other = await login(http, user)
    peers = [
        await connected(server, user.access_token),
        await connected(server, other["access_token"]),
    ]
    watcher = await connected(server, bystander.access_token)
    try:
        resp = await http.post("/api/v1/auth/logout", headers=user.headers)
        assert resp.status == 204
        for peer in peers:
            await ended(peer)
        assert watcher.client.connected and not watcher.events["auth:expired"]
    finally:
        for peer in (*peers, watcher):
            await peer.close()


async def test_a_reused_refresh_token_ends_the_sockets_of_its_session(
    server: TestServer, http: Client
) -> None:
    user = await register(http)
    other = await login(http, user)
    leaked = await connected(server, user.access_token)
    kept = await connected(server, other["access_token"])
    try:
        body = {"refresh_token": user.refresh_token}
        await expect(await http.post("/api/v1/auth/refresh", json=body), 200)
        reused = await http.post("/api/v1/auth/refresh", json=body)
        assert (await expect(reused, 401))["code"] == "unauthorized"
        await ended(leaked)
        assert kept.client.connected and not kept.events["auth:expired"]
    finally:
        await leaked.close()
        await kept.close()


async def test_rights_that_cannot_be_rechecked_end_the_socket(
    server: TestServer, http: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await register(http)
    org = await create_org(http, owner)
    target = await add_member(http, owner, org["id"], "CONSULTANT")
    peer = await connected(server, target.access_token)

    async def unavailable(*_args: Any) -> Any:
        raise OSError("database unreachable")

    monkeypatch.setattr(live_rights, "audience", unavailable)
    try:
        resp = await http.patch(
            f"/api/v1/orgs/{org['id']}/members/{target.id}",
            json={"role": "CLIENT"},
            headers=owner.headers,
        )
        await expect(resp, 200)
        await peer.wait_until(lambda: any(e == "disconnect" for e, _ in peer.arrivals), timeout=5)
        names = [e for e, _ in peer.arrivals]
        assert names[-2:] == ["auth:expired", "disconnect"], names
        assert "re-checked" in peer.events["auth:expired"][0]["message"]
    finally:
        await peer.close()


async def test_a_password_change_ends_the_sockets_of_every_other_session(
    server: TestServer, http: Client
) -> None:
    user = await register(http)
    other = await login(http, user)
    kept = await connected(server, user.access_token)
    gone = await connected(server, other["access_token"])
    try:
        change = {"current_password": PASSWORD, "password": "a brand new secret phrase"}
        resp = await http.post("/api/v1/auth/password/change", json=change, headers=user.headers)
        assert resp.status == 204
        await ended(gone)
        ack = await kept.call("presence:list", {})
        assert kept.client.connected and not kept.events["auth:expired"], ack
    finally:
        await kept.close()
        await gone.close()
