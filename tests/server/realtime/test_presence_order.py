"""What a socket ends up believing of someone's presence is their status now, whatever
the order in which changes, coalescing windows and `presence:list` interleave: the list
is never older than an update that reached the socket before its answer, a flap inside a
window is told to whoever listed its middle, and a change whose refresh was overtaken by
a later one is not told last (server/realtime/presence_batch.py).

Each test holds one step of the server at a real await point (a database read or write)
so that the interleaving a reconnect storm produces by load happens every time."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import sqlalchemy.exc
from aiohttp.test_utils import TestServer

import store.users
from tests.conftest import AppFactory
from tests.factories import Client
from tests.server.realtime.chatkit import Org, make_org, member
from tests.server.realtime.test_presence import FAST, updates_for
from tests.server.realtime.test_presence_batch import BATCHED, _last_heard, _quiet, _statuses
from tests.sio import Peer, connected


class Gate:
    """Holds the first call of a store function that `matches` until `open()`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, name: str, matches: Any) -> None:
        self.entered = asyncio.Event()
        self._released = asyncio.Event()
        self._used = False
        original = getattr(store.users, name)

        async def held(*args: Any, **kwargs: Any) -> Any:
            if not self._used and matches(*args, **kwargs):
                self._used = True
                self.entered.set()
                await self._released.wait()
            return await original(*args, **kwargs)

        monkeypatch.setattr(store.users, name, held)

    def open(self) -> None:
        self._released.set()


def _view(listed: dict[str, str], late: Peer) -> dict[str, str]:
    """A client's view: the list, then every update heard after it was answered."""
    return {**listed, **_last_heard(late)}


async def _setup(
    make_app: AppFactory, aiohttp_server: Any, aiohttp_client: Any, settings: dict[str, Any]
) -> tuple[TestServer, Client, Org, Any, Peer]:
    """A server, an organization with Bob, and its owner watching."""
    server = await aiohttp_server(make_app(**settings))
    http = await aiohttp_client(server)
    org = await make_org(http)
    bob = await member(http, org)
    watcher = await connected(server, org.owner.access_token)
    return server, http, org, bob, watcher


async def test_the_list_is_never_older_than_an_update_heard_before_its_answer(
    make_app: AppFactory, aiohttp_server: Any, aiohttp_client: Any, monkeypatch: Any
) -> None:
    server, _http, org, bob, watcher = await _setup(make_app, aiohttp_server, aiohttp_client, FAST)
    bob_peer: Peer | None = None
    # Bob was never seen: his last_seen comes from the database, read while he connects.
    gate = Gate(monkeypatch, "last_seen_of", lambda _session, ids: bob.id in ids)
    try:
        listing = asyncio.create_task(watcher.call("presence:list", {"organization_id": org.id}))
        await asyncio.wait_for(gate.entered.wait(), 5)
        bob_peer = await connected(server, bob.access_token)
        await watcher.wait_until(lambda: updates_for(watcher, bob.id) == ["online"])
        gate.open()
        ack = await listing
        listed = {u["user_id"]: u["status"] for u in ack["data"]["users"]}
        # The client applies the list over what it heard before the answer.
        assert listed[str(bob.id)] == "online"
    finally:
        gate.open()
        for peer in (watcher, *([bob_peer] if bob_peer else [])):
            await peer.close()


async def test_a_socket_that_listed_a_flap_inside_the_window_hears_its_end(
    make_app: AppFactory, aiohttp_server: Any, aiohttp_client: Any
) -> None:
    server, http, org, bob, watcher = await _setup(
        make_app, aiohttp_server, aiohttp_client, BATCHED
    )
    carol = await member(http, org)
    bob_peer = await connected(server, bob.access_token)
    carol_peer = await connected(server, carol.access_token)
    late: Peer | None = None
    try:
        await watcher.wait_until(
            lambda: all(updates_for(watcher, u.id) == ["online"] for u in (bob, carol))
        )
        await _quiet()
        # Carol's change opens a window; Bob's drop inside it is held.
        await carol_peer.call("presence:set", {"status": "away"})
        await watcher.wait_until(lambda: updates_for(watcher, carol.id) == ["online", "away"])
        await bob_peer.close()
        # A socket arriving now lists Bob offline (the store's truth) ...
        late = await connected(server, org.owner.access_token)
        listed = await _statuses(late, org)
        assert listed[str(bob.id)] == "offline"
        # ... and Bob comes back within the same window.
        bob_peer = await connected(server, bob.access_token)
        await _quiet()
        assert _view(listed, late)[str(bob.id)] == "online"
        assert _last_heard(watcher)[str(bob.id)] == "online"
    finally:
        for peer in (watcher, bob_peer, carol_peer, *([late] if late else [])):
            await peer.close()


async def test_a_change_overtaken_by_a_later_one_is_not_told_last(
    make_app: AppFactory, aiohttp_server: Any, aiohttp_client: Any, monkeypatch: Any
) -> None:
    server, _http, org, bob, watcher = await _setup(
        make_app, aiohttp_server, aiohttp_client, BATCHED
    )
    bob_peer = await connected(server, bob.access_token)
    # Bob's going offline is announced, then its database write is slow ...
    gate = Gate(
        monkeypatch,
        "set_presence",
        lambda _session, user_id, status, _when: (user_id, status) == (bob.id, "offline"),
    )
    try:
        await watcher.wait_until(lambda: updates_for(watcher, bob.id) == ["online"])
        await _quiet()
        await bob_peer.close()
        await asyncio.wait_for(gate.entered.wait(), 5)
        # ... while he comes back, and that change is told and its window ends first.
        bob_peer = await connected(server, bob.access_token)
        await watcher.wait_until(lambda: len(updates_for(watcher, bob.id)) >= 2)
        await _quiet()
        gate.open()
        await _quiet()
        assert _last_heard(watcher)[str(bob.id)] == "online"
        assert (await _statuses(watcher, org))[str(bob.id)] == "online"
    finally:
        gate.open()
        await bob_peer.close()
        await watcher.close()


async def test_a_change_whose_database_write_failed_is_told_by_the_next_sweep(
    make_app: AppFactory, aiohttp_server: Any, aiohttp_client: Any, monkeypatch: Any
) -> None:
    server, _http, org, bob, watcher = await _setup(make_app, aiohttp_server, aiohttp_client, FAST)
    original = store.users.set_presence
    failed = asyncio.Event()

    async def flaky(session: Any, user_id: Any, status: str, when: Any) -> None:
        # Bob's coming online is announced in the presence store, then its database
        # write times out (a pool exhausted by a reconnect storm).
        if (user_id, status) == (bob.id, "online") and not failed.is_set():
            failed.set()
            raise sqlalchemy.exc.TimeoutError("QueuePool limit reached, connection timed out")
        await original(session, user_id, status, when)

    monkeypatch.setattr(store.users, "set_presence", flaky)
    bob_peer = await connected(server, bob.access_token)
    try:
        await asyncio.wait_for(failed.wait(), 5)
        # The sweep retries the change and tells it, though the store already holds it.
        await watcher.wait_until(lambda: updates_for(watcher, bob.id)[-1:] == ["online"])
        assert (await _statuses(watcher, org))[str(bob.id)] == "online"
    finally:
        await bob_peer.close()
        await watcher.close()
