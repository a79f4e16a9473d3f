"""Presence as others see it: online, away, offline, last_seen, across tabs and processes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from redis.asyncio import Redis
from sqlalchemy import event

from server.keys import ENGINE, PRESENCE
from store import users
from store.db import create_engine, create_session_factory
from tests.conftest import TEST_REDIS_NAMESPACE, AppFactory
from tests.factories import Client
from tests.server.realtime.chatkit import make_org, member, settle
from tests.sio import Peer, connected

FAST = {
    "presence_grace_seconds": 0.3,
    "presence_sweep_seconds": 0.1,
    "presence_ttl_seconds": 1.0,
}


@pytest.fixture
async def fast(
    make_app: AppFactory, aiohttp_server: Any, aiohttp_client: Any
) -> tuple[TestServer, Client]:
    server = await aiohttp_server(make_app(**FAST))
    return server, await aiohttp_client(server)


def updates_for(peer: Peer, user_id: object) -> list[str]:
    return [u["status"] for u in peer.events["presence:updated"] if u["user_id"] == str(user_id)]


async def heard(peer: Peer, user_id: object, count: int, timeout: float = 5) -> list[str]:
    """Wait until `peer` heard `count` presence changes of `user_id`; return them."""
    await peer.wait_until(lambda: len(updates_for(peer, user_id)) >= count, timeout)
    return updates_for(peer, user_id)


async def test_second_tab_closing_says_nothing_last_one_closing_says_offline_once(
    fast: tuple[TestServer, Client],
) -> None:
    server, http = fast
    org = await make_org(http)
    bob = await member(http, org)
    watcher = await connected(server, org.owner.access_token)
    try:
        tab1 = await connected(server, bob.access_token)
        await heard(watcher, bob.id, 1)
        tab2 = await connected(server, bob.access_token)
        await tab1.close()
        await asyncio.sleep(0.6)
        assert updates_for(watcher, bob.id) == ["online"]
        await tab2.close()
        await heard(watcher, bob.id, 2)
        await settle()
        assert updates_for(watcher, bob.id) == ["online", "offline"]
        offline = [u for u in watcher.events["presence:updated"] if u["user_id"] == str(bob.id)][-1]
        assert offline["organization_id"] == org.id and offline["last_seen"]
        ack = await watcher.call("presence:list", {"organization_id": org.id})
        statuses = {u["user_id"]: u for u in ack["data"]["users"]}
        assert statuses[str(bob.id)]["status"] == "offline"
        assert statuses[str(bob.id)]["last_seen"] == offline["last_seen"]
        assert statuses[str(org.owner.id)]["status"] == "online"
        me = await (await http.get("/api/v1/me", headers=bob.headers)).json()
        assert me["status"] == "offline" and me["last_seen"]
    finally:
        await watcher.close()


async def test_reconnect_within_the_grace_period_sends_nothing(
    make_app: AppFactory, aiohttp_server: Any, aiohttp_client: Any
) -> None:
    server = await aiohttp_server(make_app(**{**FAST, "presence_grace_seconds": 2.0}))
    http = await aiohttp_client(server)
    org = await make_org(http)
    bob = await member(http, org)
    watcher = await connected(server, org.owner.access_token)
    try:
        first = await connected(server, bob.access_token)
        await heard(watcher, bob.id, 1)
        await first.close()
        again = await connected(server, bob.access_token)
        await asyncio.sleep(2.5)
        assert updates_for(watcher, bob.id) == ["online"]
        await again.close()
    finally:
        await watcher.close()


async def test_away_by_choice_and_after_inactivity_then_back_online(
    make_app: AppFactory, aiohttp_server: Any, aiohttp_client: Any
) -> None:
    server = await aiohttp_server(make_app(**FAST, presence_away_after_seconds=0.5))
    http = await aiohttp_client(server)
    org = await make_org(http)
    bob = await member(http, org)
    watcher = await connected(server, org.owner.access_token)
    try:
        bob_peer = await connected(server, bob.access_token)
        assert (await bob_peer.call("presence:set", {"status": "away"}))["data"] == {
            "status": "away"
        }
        await asyncio.sleep(0.2)
        assert updates_for(watcher, bob.id) == ["online", "away"]
        assert (await bob_peer.call("presence:set", {"status": "online"}))["ok"]
        await asyncio.sleep(0.9)  # no event from Bob: inactivity makes him away
        assert updates_for(watcher, bob.id) == ["online", "away", "online", "away"]
        await bob_peer.call("presence:list", {"organization_id": org.id})
        await asyncio.sleep(0.2)
        assert updates_for(watcher, bob.id)[-1] == "online"
        bad = await bob_peer.call("presence:set", {"status": "offline"})
        assert bad["error"]["code"] == "validation_error"
        await bob_peer.close()
    finally:
        await watcher.close()


async def test_presence_reaches_only_members_of_shared_organizations(
    fast: tuple[TestServer, Client],
) -> None:
    server, http = fast
    org, other = await make_org(http), await make_org(http)
    bob = await member(http, org)
    insider = await connected(server, org.owner.access_token)
    outsider = await connected(server, other.owner.access_token)
    try:
        bob_peer = await connected(server, bob.access_token)
        await heard(insider, bob.id, 1)
        await settle()
        assert updates_for(outsider, bob.id) == []
        ack = await outsider.call("presence:list", {"organization_id": org.id})
        assert ack["error"]["code"] == "not_found"
        await bob_peer.close()
    finally:
        await insider.close()
        await outsider.close()


@pytest.mark.redis
async def test_user_of_a_process_that_stops_refreshing_goes_offline_then_back_online(
    make_app: AppFactory, aiohttp_server: Any, aiohttp_client: Any, redis_url: str | None
) -> None:
    """Two server processes (two apps here) share Redis; one freezes, then resumes: a
    process too busy to refresh in time (a reconnect storm) sees its connections claimed
    and its user announced offline by the other; its next sweep finds them gone from the
    store and announces the user again, rather than leave them offline while here."""
    frozen_server = await aiohttp_server(make_app(**FAST))
    alive_server = await aiohttp_server(make_app(**FAST))
    http = await aiohttp_client(alive_server)
    org = await make_org(http)
    bob = await member(http, org)
    watcher = await connected(alive_server, org.owner.access_token)
    bob_peer = await connected(frozen_server, bob.access_token)
    try:
        assert await heard(watcher, bob.id, 1) == ["online"]

        async def frozen() -> None:
            return None

        presence = frozen_server.app[PRESENCE]
        sweep = presence.sweep
        presence.sweep = frozen  # type: ignore[method-assign]
        # The bound: the connection's ttl plus a sweep of the surviving process (and slack
        # for a loaded machine); waiting longer would mean the user stays online forever.
        bound = FAST["presence_ttl_seconds"] + 2 * FAST["presence_sweep_seconds"] + 3
        assert await heard(watcher, bob.id, 2, timeout=bound) == ["online", "offline"]
        presence.sweep = sweep  # type: ignore[method-assign]
        assert await heard(watcher, bob.id, 3) == ["online", "offline", "online"]
        ack = await watcher.call("presence:list", {"organization_id": org.id})
        assert {u["user_id"]: u["status"] for u in ack["data"]["users"]}[str(bob.id)] == "online"
    finally:
        await bob_peer.close()
        await watcher.close()


async def _presence_key_ttls(redis_url: str) -> dict[str, int]:
    """Every presence key of this run's namespace and its TTL in seconds (-1: none)."""
    redis: Redis = Redis.from_url(redis_url)
    try:
        keys = [k async for k in redis.scan_iter(match=f"{TEST_REDIS_NAMESPACE}:presence:*")]
        return {k.decode(): await redis.ttl(k) for k in keys}
    finally:
        await redis.aclose()


@pytest.mark.redis
async def test_every_presence_key_in_redis_expires_so_a_stopped_deployment_leaves_nothing(
    make_app: AppFactory, aiohttp_server: Any, aiohttp_client: Any, redis_url: str
) -> None:
    server = await aiohttp_server(make_app(**FAST))
    http = await aiohttp_client(server)
    org = await make_org(http)
    bob = await member(http, org)
    watcher = await connected(server, org.owner.access_token)
    bob_peer = await connected(server, bob.access_token)
    assert await heard(watcher, bob.id, 1) == ["online"]
    assert (await bob_peer.call("presence:set", {"status": "away"}))["ok"]
    await asyncio.sleep(3 * FAST["presence_sweep_seconds"])

    running = await _presence_key_ttls(redis_url)
    user_keys = [k for k in running if k.endswith(f":u:{bob.id}")]
    assert user_keys and any(k.endswith(":status") for k in running), running
    assert {k: t for k, t in running.items() if t < 0} == {}

    # Stopped as a crashed deployment would be: the sweeps end, nothing is cleaned up.
    presence = server.app[PRESENCE]

    async def crashed() -> None:
        assert presence._sweeper is not None
        presence._sweeper.cancel()

    presence.close = crashed  # type: ignore[method-assign]
    await server.close()
    stopped = await _presence_key_ttls(redis_url)
    assert {k: t for k, t in stopped.items() if t == -1} == {}
    await bob_peer.close()
    await watcher.close()
    # A crashed process takes its grace periods with it; this one lives on: end them, or
    # they would reach for the disposed database.
    for task in list(server.app[PRESENCE]._tasks):
        task.cancel()


async def _nothing() -> None:
    return None


async def test_a_server_stopping_while_someone_leaves_tells_it_then_leaves_its_database_be(
    make_app: AppFactory, aiohttp_server: Any, aiohttp_client: Any, database_url: str
) -> None:
    """Bob's grace period is over and his announcement is under way when the server stops:
    the stop waits for it (he is offline; cancelling it could leave its transaction open)
    and nothing opens a database connection after the engine is disposed. Such a
    connection is never closed: on PostgreSQL each held a slot until a test run ran out of
    them ("too many clients")."""
    server = await aiohttp_server(make_app(**{**FAST, "presence_grace_seconds": 0.0}))
    http = await aiohttp_client(server)
    org = await make_org(http)
    bob = await member(http, org)
    peer = await connected(server, bob.access_token)
    presence_store = server.app[PRESENCE]._store
    announce = presence_store.announce
    inside, release = asyncio.Event(), asyncio.Event()

    async def held_once(user_id: Any, status: str) -> str | None:
        if not inside.is_set():
            inside.set()
            await release.wait()
        return await announce(user_id, status)

    presence_store.announce = held_once  # type: ignore[method-assign]
    engine = server.app[ENGINE].sync_engine
    disposed: list[object] = []
    late: list[object] = []
    event.listen(engine, "engine_disposed", disposed.append)
    event.listen(engine, "connect", lambda *_: disposed and late.append(_))
    await peer.close()
    await asyncio.wait_for(inside.wait(), 5)

    stopping = asyncio.create_task(server.close())
    await asyncio.sleep(0.5)
    assert not disposed  # the stop waits for the announcement under way ...
    release.set()
    await stopping
    await asyncio.sleep(0.3)

    assert disposed and late == []  # ... and nothing reaches for the database after it
    reader = create_engine(database_url)
    try:
        async with create_session_factory(reader)() as session:
            stored = await users.get_profile(session, bob.id)
            assert stored is not None and stored.status == "offline"
    finally:
        await reader.dispose()
