"""Contract section 3 across two real server processes sharing PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.server.realtime.chatkit import Org, make_org, member, send, settle
from tests.server.realtime.clusterkit import (
    PRESENCE_BOUND,
    processes,
    recovered,
    seqs,
    synced,
)
from tests.serverproc import ServerProcess
from tests.sio import Peer, connected

pytestmark = pytest.mark.redis


@pytest.fixture
async def pair(database_url: str, redis_url: str | None) -> AsyncIterator[list[ServerProcess]]:
    async with processes(database_url, redis_url) as procs:
        yield procs


async def joined_on(proc: ServerProcess, token: str, ref: dict[str, Any]) -> Peer:
    peer = await connected(proc, token)  # type: ignore[arg-type]
    ack = await peer.call("channel:join", {"channel": ref})
    assert ack["ok"], ack
    return peer


def statuses(peer: Peer, user_id: object) -> list[str]:
    return [u["status"] for u in peer.events["presence:updated"] if u["user_id"] == str(user_id)]


async def test_what_a_client_does_on_one_process_reaches_clients_on_the_other(
    pair: list[ServerProcess],
) -> None:
    a, b = pair
    async with a.http() as http:
        org = await make_org(http)  # type: ignore[arg-type]
        bob = await member(http, org)  # type: ignore[arg-type]
        carol = await member(http, org)  # type: ignore[arg-type]
    ref = org.ref()
    owner = await joined_on(a, org.owner.access_token, ref)
    bob_phone = await joined_on(a, bob.access_token, ref)
    bob_laptop = await joined_on(b, bob.access_token, ref)
    carol_peer: Peer | None = None
    try:
        sent = await send(bob_laptop, ref, "from B")
        (got,) = await owner.wait_for("message:new", timeout=10)
        assert got["id"] == sent["id"] and got["content"] == "from B"

        assert (await bob_laptop.call("typing", {"channel": ref, "typing": True}))["ok"]
        start, stop = await owner.wait_for("typing", count=2, timeout=10)
        assert (start["typing"], stop["typing"]) == (True, False), "expired by the server"
        assert start["user_id"] == str(bob.id)

        assert (await send(owner, ref, "for bob to read"))["seq"] == 2
        ack = await bob_laptop.call("channel:read", {"channel": ref, "seq": 2})
        assert ack["data"] == {"read_seq": 2, "unread_count": 0}
        (read,) = await bob_phone.wait_for("channel:read", timeout=10)
        assert read == {"channel": ref, "read_seq": 2, "unread_count": 0}

        change = {"message_id": sent["id"], "emoji": "👍"}
        assert (await bob_laptop.call("reaction:add", change))["ok"]
        (reaction,) = await owner.wait_for("reaction:updated", timeout=10)
        assert reaction["reactions"] == [{"emoji": "👍", "count": 1, "user_ids": [str(bob.id)]}]

        carol_peer = await connected(b, carol.access_token)  # type: ignore[arg-type]
        await owner.wait_until(lambda: statuses(owner, carol.id) == ["online"], timeout=10)
    finally:
        for peer in (owner, bob_phone, bob_laptop, carol_peer):
            if peer is not None:
                await peer.close()


SENDERS_PER_PROCESS = 3
PER_SENDER = 12


async def test_concurrent_senders_on_both_processes_give_every_receiver_the_whole_sequence(
    pair: list[ServerProcess],
) -> None:
    """Seqs are gap-free in commit order on both processes; every receiver gets each
    message exactly once, and the contract's client (order by seq, `sync` a gap) shows
    1..N in order on either process."""
    async with pair[0].http() as http:
        org = await make_org(http)  # type: ignore[arg-type]
        people = [org.owner] + [
            await member(http, org)  # type: ignore[arg-type]
            for _ in range(2 * SENDERS_PER_PROCESS - 1)
        ]
    ref = org.ref()
    senders = [
        await joined_on(pair[i % 2], person.access_token, ref) for i, person in enumerate(people)
    ]
    receivers = [await joined_on(pair[i % 2], people[i].access_token, ref) for i in range(4)]
    total = len(senders) * PER_SENDER

    async def burst(index: int) -> list[int]:
        acked = []
        for n in range(PER_SENDER):
            ack = await senders[index].call(
                "message:send",
                {"channel": ref, "content": f"{index}-{n}", "client_msg_id": f"{index}-{n}"},
                timeout=30,
            )
            assert ack["ok"], ack
            acked.append(ack["data"]["seq"])
        return acked

    try:
        acked = await asyncio.gather(*[burst(i) for i in range(len(senders))])
        assert sorted(s for one in acked for s in one) == list(range(1, total + 1))
        for one in acked:
            assert one == sorted(one), "one sender's messages keep their order"
        for receiver in receivers:
            await receiver.wait_until(lambda r=receiver: len(seqs(r, ref)) >= total, timeout=30)
        await settle()
        for receiver in receivers:
            received = seqs(receiver, ref)
            assert sorted(received) == list(range(1, total + 1)), "each exactly once"
            assert await recovered(receiver, ref, received) == list(range(1, total + 1))
    finally:
        for peer in senders + receivers:
            await peer.close()


async def test_send_retried_on_the_other_process_returns_the_first_and_broadcasts_nothing(
    pair: list[ServerProcess],
) -> None:
    a, b = pair
    async with a.http() as http:
        org: Org = await make_org(http)  # type: ignore[arg-type]
        bob = await member(http, org)  # type: ignore[arg-type]
    ref = org.ref()
    on_a = await joined_on(a, org.owner.access_token, ref)
    on_b = await joined_on(b, org.owner.access_token, ref)
    bob_a = await joined_on(a, bob.access_token, ref)
    bob_b: Peer | None = None
    request = {"channel": ref, "content": "once", "client_msg_id": uuid.uuid4().hex}
    try:
        first = await bob_a.call("message:send", request)
        assert first["ok"], first
        await on_a.wait_for("message:new", timeout=10)
        await on_b.wait_for("message:new", timeout=10)
        await bob_a.close()  # the client lost its connection before it saw the ack...
        bob_b = await joined_on(b, bob.access_token, ref)  # ...and retries elsewhere
        again = await bob_b.call("message:send", request)
        assert again == first
        await settle()
        assert seqs(on_a, ref) == [1] and seqs(on_b, ref) == [1]
        assert seqs(bob_b, ref) == []
    finally:
        for peer in (on_a, on_b, bob_a, bob_b):
            if peer is not None:
                await peer.close()


async def test_killed_process_users_go_offline_and_its_clients_recover_on_the_other(
    pair: list[ServerProcess],
) -> None:
    a, b = pair
    async with b.http() as http:
        org = await make_org(http)  # type: ignore[arg-type]
        bob = await member(http, org)  # type: ignore[arg-type]
    ref = org.ref()
    watcher = await joined_on(b, org.owner.access_token, ref)
    bob_peer = await joined_on(a, bob.access_token, ref)
    bob_again: Peer | None = None
    try:
        await watcher.wait_until(lambda: statuses(watcher, bob.id) == ["online"], timeout=10)
        for n in (1, 2):
            await send(watcher, ref, f"before {n}")
        await bob_peer.wait_until(lambda: seqs(bob_peer, ref) == [1, 2], timeout=10)
        seen = seqs(bob_peer, ref)

        a.kill()
        # Nobody said goodbye: B's sweep notices the connection stopped being refreshed.
        await watcher.wait_until(
            lambda: statuses(watcher, bob.id) == ["online", "offline"],
            timeout=PRESENCE_BOUND + 10,
        )
        for n in (3, 4, 5):
            await send(watcher, ref, f"while away {n}")

        bob_again = await joined_on(b, bob.access_token, ref)
        missed = await synced(bob_again, ref, seen[-1])
        assert missed == [3, 4, 5]
        await send(watcher, ref, "after")
        await bob_again.wait_until(lambda: seqs(bob_again, ref) == [6], timeout=10)
        shown = seen + missed + seqs(bob_again, ref)
        assert shown == [1, 2, 3, 4, 5, 6], "nothing missing, nothing twice"
        await watcher.wait_until(
            lambda: statuses(watcher, bob.id) == ["online", "offline", "online"], timeout=10
        )
    finally:
        for peer in (watcher, bob_peer, bob_again):
            if peer is not None:
                await peer.close()
