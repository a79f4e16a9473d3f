"""aurentia_client (clients/python) against real `aurentia serve` processes: messages
exchanged in order, a server SIGKILLed and restarted while one client sends 200, a client
catching up after being away, an outbox surviving an application restart, and a token
expiring mid-session refreshed without losing an event. Runs on SQLite and on
PostgreSQL + Redis, like the rest of the suite."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aurentia_client import ChannelStore, Client

from tests.factories import PASSWORD, User, add_member, create_org, expect, register
from tests.serverproc import ServerProcess

# A restart on a loaded CI machine can take a while; the suite waits, it does not time it.
START_TIMEOUT = 120.0
FAST = {
    "socket_events_per_second": 1000,
    "socket_event_burst": 1000,
    "shutdown_timeout_seconds": 1,
}


@dataclass
class World:
    proc: ServerProcess
    org_id: str
    owner: User
    member: User
    general: dict[str, Any]


async def _world(proc: ServerProcess) -> World:
    async with proc.http() as http:
        owner = await register(http)  # type: ignore[arg-type]
        org = await create_org(http, owner)  # type: ignore[arg-type]
        member = await add_member(http, owner, org["id"])  # type: ignore[arg-type]
        listing = await expect(
            await http.get(f"/api/v1/orgs/{org['id']}/channels", headers=owner.headers), 200
        )
    (general,) = [c["channel"] for c in listing["items"] if c["channel"]["name"] == "general"]
    return World(proc, org["id"], owner, member, {"type": general["type"], "id": general["id"]})


@pytest.fixture(scope="module")
async def proc(database_url: str, redis_url: str | None) -> AsyncIterator[ServerProcess]:
    """One process for the module (each test makes users of its own); the kill tests
    restart it themselves."""
    server = ServerProcess(database_url, redis_url, **FAST)
    await server.start(timeout=START_TIMEOUT)
    try:
        yield server
    finally:
        server.stop()


async def _login(w: World, user: User, **options: Any) -> Client:
    return await Client.login(w.proc.url, user.email, PASSWORD, **options)


async def until(what: str, check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.025)


def contents(store: ChannelStore) -> list[str]:
    return [m["content"] for m in store.messages]


async def _closing(*clients: Client) -> None:
    for client in clients:
        await client.close()


async def test_two_clients_exchange_messages_in_order_with_server_unread_counts(
    proc: ServerProcess,
) -> None:
    w = await _world(proc)
    alice, bob = await _login(w, w.owner), await _login(w, w.member)
    try:
        a, b = await alice.join(w.general), await bob.join(w.general)
        alice.send(w.general, "Bonjour Bob")
        await until("Bob hears Alice", lambda: len(b.messages) == 1)
        assert b.unread_count == 1
        bob.send(w.general, "Bonjour Alice")
        await until("both have both", lambda: len(a.messages) == len(b.messages) == 2)
        assert contents(a) == contents(b) == ["Bonjour Bob", "Bonjour Alice"]
        assert [m["seq"] for m in a.messages] == [1, 2]
        assert (a.unread_count, b.unread_count) == (1, 0)
        await alice.mark_read(w.general)
        assert a.unread_count == 0
        (listed,) = [
            c for c in await alice.channels(w.org_id) if c["channel"]["id"] == w.general["id"]
        ]
        assert listed["unread_count"] == 0
        assert not a.pending and not b.pending
    finally:
        await _closing(alice, bob)


async def test_sigkill_and_restart_while_sending_200_ends_with_1_to_200_once_in_order(
    proc: ServerProcess, tmp_path: Path
) -> None:
    w = await _world(proc)
    alice = await _login(w, w.owner, outbox_path=tmp_path / "outbox.json")
    bob = await _login(w, w.member)
    try:
        a, b = await alice.join(w.general), await bob.join(w.general)
        for i in range(1, 101):
            alice.send(w.general, str(i))
        await until("some stored", lambda: len(a.messages) >= 30)
        proc.kill()
        for i in range(101, 201):  # typed while the server is down
            alice.send(w.general, str(i))
        assert a.pending
        await proc.start(timeout=START_TIMEOUT)
        await until("outbox drained", lambda: not alice.outbox.items, 60)
        await until("both have 200", lambda: len(a.messages) == len(b.messages) == 200, 60)
        expected = [str(i) for i in range(1, 201)]
        assert contents(a) == contents(b) == expected
        assert [m["seq"] for m in b.messages] == list(range(1, 201))
        assert not a.pending and b.contiguous_seq == 200
        synced = await bob.session.call(
            "sync", {"cursors": [{"channel": w.general, "after_seq": 0}], "limit": 500}
        )
        assert [m["content"] for m in synced["channels"][0]["messages"]] == expected
    finally:
        await _closing(alice, bob)


async def test_outbox_typed_offline_survives_an_application_restart_and_is_sent_once(
    proc: ServerProcess, tmp_path: Path
) -> None:
    w = await _world(proc)
    path = tmp_path / "outbox.json"
    first = await _login(w, w.owner, outbox_path=path)
    await first.join(w.general)
    proc.kill()
    for i in range(1, 6):
        first.send(w.general, f"offline {i}")
    await first.close()  # the application quits with its outbox on disk
    await proc.start(timeout=START_TIMEOUT)
    again = await _login(w, w.owner, outbox_path=path)
    try:
        assert len(again.channel(w.general).pending) == 5
        store = await again.join(w.general)
        await until("sent", lambda: not again.outbox.items and len(store.messages) == 5)
        assert contents(store) == [f"offline {i}" for i in range(1, 6)]
        assert not store.pending
    finally:
        await again.close()


async def test_a_client_away_during_100_messages_catches_up_to_the_same_history(
    proc: ServerProcess,
) -> None:
    w = await _world(proc)
    alice = await _login(w, w.owner)
    bob = await _login(w, w.member, history=200)
    try:
        a, b = await alice.join(w.general), await bob.join(w.general)
        alice.send(w.general, "before")
        await until("Bob has it", lambda: len(b.messages) == 1)
        await bob.close()  # away
        for i in range(100):
            alice.send(w.general, f"m{i}")
        await until("sent", lambda: not alice.outbox.items and len(a.messages) == 101)
        bob = await _login(w, w.member, history=200)
        back = await bob.join(w.general)
        assert back.messages == a.messages
    finally:
        await _closing(alice, bob)


async def test_a_token_expiring_mid_session_is_refreshed_without_losing_an_event(
    database_url: str, redis_url: str | None
) -> None:
    proc = ServerProcess(database_url, redis_url, access_token_ttl_seconds=30, **FAST)
    await proc.start(timeout=START_TIMEOUT)
    try:
        w = await _world(proc)
        alice, bob = await _login(w, w.owner), await _login(w, w.member)
        late = await _login(w, w.member, refresh_margin=-3600.0)  # waits for auth:expired
        log = {"refreshed": 0, "alice_cut": 0, "expired": 0}

        def count(key: str) -> Callable[[Any], Awaitable[None] | None]:
            return lambda _data: log.__setitem__(key, log[key] + 1)

        alice.session.on("refreshed", count("refreshed"))
        alice.session.on("disconnected", count("alice_cut"))
        late.session.on("auth:expired", count("expired"))
        try:
            stores = [await c.join(w.general) for c in (alice, bob, late)]
            ticks = [f"tick {i}" for i in range(1, 35)]  # past the 30 s expiry
            for tick in ticks:
                bob.send(w.general, tick)
                await asyncio.sleep(1.0)
            await until(
                "all ticks everywhere", lambda: all(len(s.messages) == len(ticks) for s in stores)
            )
            assert all(contents(s) == ticks for s in stores)
            assert log["refreshed"] >= 1 and log["alice_cut"] == 0
            assert log["expired"] >= 1 and late.session.connected
            me = await alice.session.rest.request("GET", "/me")
            assert me["id"] == alice.session.user_id
        finally:
            await _closing(alice, bob, late)
    finally:
        proc.stop()
