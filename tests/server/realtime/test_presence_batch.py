"""Presence changes coalesced per organization (server/realtime/presence_batch.py): a
flap inside the window is told once, as its end, a lasting change arrives, and after a
reconnect storm every watcher's view and `presence:list` are exact, on one process and
across two sharing Redis."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from tests.conftest import AppFactory
from tests.server.realtime.chatkit import Org, make_org, member
from tests.server.realtime.test_presence import FAST, updates_for
from tests.sio import Peer, connected

# Offline is told as soon as the last socket is gone (no grace), so that a flap really
# goes through the window; the window is long enough for a loaded machine.
WINDOW = 1.0
BATCHED = {**FAST, "presence_grace_seconds": 0.0, "presence_coalesce_seconds": WINDOW}


async def _quiet() -> None:
    """Let every open window end (and the one its last flush kept open)."""
    await asyncio.sleep(2.5 * WINDOW)


async def _statuses(peer: Peer, org: Org) -> dict[str, str]:
    ack = await peer.call("presence:list", {"organization_id": org.id})
    return {u["user_id"]: u["status"] for u in ack["data"]["users"]}


def _last_heard(watcher: Peer) -> dict[str, str]:
    last: dict[str, str] = {}
    for update in watcher.events["presence:updated"]:
        last[update["user_id"]] = update["status"]
    return last


async def test_a_flap_inside_the_window_is_told_once_and_a_lasting_change_arrives(
    make_app: AppFactory, aiohttp_server: Any, aiohttp_client: Any
) -> None:
    server = await aiohttp_server(make_app(**BATCHED))
    http = await aiohttp_client(server)
    org = await make_org(http)
    bob, carol, dave = [await member(http, org) for _ in range(3)]
    watcher = await connected(server, org.owner.access_token)
    peers = {u.id: await connected(server, u.access_token) for u in (bob, carol, dave)}
    try:
        await watcher.wait_until(
            lambda: all(updates_for(watcher, u.id) == ["online"] for u in (bob, carol, dave))
        )
        await _quiet()
        # The first change of a quiet window goes out at once and opens the window.
        await peers[carol.id].call("presence:set", {"status": "away"})
        await watcher.wait_until(lambda: updates_for(watcher, carol.id) == ["online", "away"])
        # Inside it: Bob drops and comes back, Dave goes away and stays.
        await peers[bob.id].close()
        await asyncio.sleep(0.1)
        peers[bob.id] = await connected(server, bob.access_token)
        await peers[dave.id].call("presence:set", {"status": "away"})
        await watcher.wait_until(lambda: updates_for(watcher, dave.id) == ["online", "away"])
        await _quiet()
        # Bob's flap is told once, as where it ended (test_presence_order.py says why).
        assert updates_for(watcher, bob.id) == ["online", "online"]
        assert updates_for(watcher, carol.id) == ["online", "away"]
        assert updates_for(watcher, dave.id) == ["online", "away"]
        listed = await _statuses(watcher, org)
        assert (listed[str(bob.id)], listed[str(dave.id)]) == ("online", "away")
    finally:
        for peer in (watcher, *peers.values()):
            await peer.close()


async def _storm(servers: list[TestServer], http: Any, people: int, devices: int) -> None:
    """`people` members with `devices` sockets each, spread over `servers`, all drop at
    once and reconnect; the watcher's view and `presence:list` end exact."""
    org = await make_org(http)
    users = [await member(http, org) for _ in range(people)]
    watcher = await connected(servers[0], org.owner.access_token)

    async def connect_all() -> list[Peer]:
        tokens = [(i, u.access_token) for u in users for i in range(devices)]
        return list(
            await asyncio.gather(*(connected(servers[i % len(servers)], t) for i, t in tokens))
        )

    peers = await connect_all()
    try:
        expected = {str(u.id): "online" for u in users}
        await watcher.wait_until(lambda: _last_heard(watcher).items() >= expected.items(), 10)
        await asyncio.gather(*(p.close() for p in peers))
        peers = await connect_all()
        await _quiet()
        heard = _last_heard(watcher)
        assert {u: heard[u] for u in expected} == expected
        listed = await _statuses(watcher, org)
        assert {u: listed[u] for u in expected} == expected
        # Each person changed at most twice (offline, online): told at most that often.
        for user in users:
            assert len(updates_for(watcher, user.id)) <= 3, updates_for(watcher, user.id)
    finally:
        await asyncio.gather(*(p.close() for p in (watcher, *peers)))


async def test_presence_is_exact_after_every_socket_drops_and_reconnects(
    make_app: AppFactory, aiohttp_server: Any, aiohttp_client: Any
) -> None:
    server = await aiohttp_server(make_app(**BATCHED))
    await _storm([server], await aiohttp_client(server), people=8, devices=3)


@pytest.mark.redis
async def test_presence_is_exact_after_a_storm_spread_over_two_processes(
    make_app: AppFactory, aiohttp_server: Any, aiohttp_client: Any
) -> None:
    servers = [await aiohttp_server(make_app(**BATCHED)) for _ in range(2)]
    await _storm(servers, await aiohttp_client(servers[0]), people=8, devices=3)
