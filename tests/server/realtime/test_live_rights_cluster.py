"""The live-rights table across two real processes on PostgreSQL (or SQLite) and Redis:
the change is made through process A, the watched socket lives on process B, and the
revocation of a session ends its sockets on both."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.factories import Client, expect, register
from tests.server.realtime.chatkit import make_org, member
from tests.server.realtime.clusterkit import processes
from tests.server.realtime.liverights import CHANGES, run_change
from tests.server.realtime.test_session_end import ended, login
from tests.serverproc import ServerProcess
from tests.sio import connected

pytestmark = pytest.mark.redis


@pytest.fixture
async def pair(database_url: str, redis_url: str | None) -> AsyncIterator[list[ServerProcess]]:
    async with processes(database_url, redis_url) as procs:
        yield procs


async def test_every_access_change_reaches_sockets_on_the_other_process(
    pair: list[ServerProcess],
) -> None:
    a, b = pair
    async with a.http() as http:
        for change in CHANGES:
            await run_change(change, http, a, b)


async def test_logout_on_one_process_ends_the_sessions_sockets_on_both(
    pair: list[ServerProcess],
) -> None:
    a, b = pair
    async with a.http() as session:
        http: Client = session  # type: ignore[assignment]
        user = await register(http)
        other = await login(http, user)
        here = await connected(a, user.access_token)  # type: ignore[arg-type]
        there = await connected(b, user.access_token)  # type: ignore[arg-type]
        kept = await connected(b, other["access_token"])  # type: ignore[arg-type]
        try:
            body = {"refresh_token": user.refresh_token}
            resp = await http.post("/api/v1/auth/logout", json=body, headers=user.headers)
            assert resp.status == 204
            await ended(here)
            await ended(there)
            assert kept.client.connected
            headers = {"Authorization": f"Bearer {other['access_token']}"}
            resp = await http.post("/api/v1/auth/logout", headers=headers)
            assert resp.status == 204
            await ended(kept)
            again = await http.post("/api/v1/auth/refresh", json=body)
            assert (await expect(again, 401))["code"] == "unauthorized"
        finally:
            for peer in (here, there, kept):
                await peer.close()


async def test_a_session_ended_on_one_process_is_refused_on_the_next_request_to_the_other(
    pair: list[ServerProcess],
) -> None:
    """Process B answers "signed in" from memory for a few seconds (AUTH_CACHE_SECONDS,
    5 s); ending the session through A clears that on B as soon as the `sessions-ended`
    command crosses Redis (published before A answers the logout, so it normally reaches
    B before the client's next request does). B must refuse well within the TTL, which
    proves the invalidation rather than the memory ageing out."""
    a, b = pair
    async with a.http() as on_a, b.http() as on_b:
        user = await register(on_a)  # type: ignore[arg-type]
        other = await login(on_a, user)  # type: ignore[arg-type]
        other_headers = {"Authorization": f"Bearer {other['access_token']}"}
        for headers in (user.headers, other_headers):
            for _ in range(2):  # B now remembers both sessions
                await expect(await on_b.get("/api/v1/me", headers=headers), 200)
        body = {"refresh_token": user.refresh_token}
        await expect(await on_a.post("/api/v1/auth/logout", json=body, headers=user.headers), 204)
        assert await _refused_within(on_b, user.headers, seconds=1.0)
        await expect(await on_b.get("/api/v1/me", headers=other_headers), 200)
        await expect(await on_a.post("/api/v1/auth/logout", headers=other_headers), 204)
        assert await _refused_within(on_b, other_headers, seconds=1.0)


async def _refused_within(http: Any, headers: dict[str, str], seconds: float) -> bool:
    """Whether `GET /me` with `headers` is refused (401 `unauthorized`) within `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        resp = await http.get("/api/v1/me", headers=headers)
        body = await resp.json()
        if resp.status == 401:
            return bool(body["code"] == "unauthorized")
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)


async def test_a_role_changed_through_one_process_reaches_the_memberships_the_other_remembers(
    pair: list[ServerProcess],
) -> None:
    """B remembers who belongs to the organization and Bob's roles for a few seconds
    (server/auth/memberships.py); a role changed through A must reach B's next
    `presence:list` and next connection within a second, not at the memory's end."""
    a, b = pair
    async with a.http() as session:
        http: Client = session  # type: ignore[assignment]
        org = await make_org(http)
        bob = await member(http, org)
        peer = await connected(b, bob.access_token)  # type: ignore[arg-type]
        try:
            listing = {"organization_id": org.id}
            assert (await peer.call("presence:list", listing))["ok"]
            path = f"/api/v1/orgs/{org.id}/members/{bob.id}"
            changed = await http.patch(path, json={"role": "CLIENT"}, headers=org.owner.headers)
            await expect(changed, 200)
            deadline = time.monotonic() + 1.0
            while (await peer.call("presence:list", listing)).get("ok"):
                assert time.monotonic() < deadline, "B still lists for a CLIENT"
                await asyncio.sleep(0.02)
            again = await connected(b, bob.access_token)  # type: ignore[arg-type]
            assert again.events["session"][-1]["organizations"] == [
                {"id": org.id, "role": "CLIENT"}
            ]
            await again.close()
        finally:
            await peer.close()
