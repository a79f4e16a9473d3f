"""The sequence guarantee under concurrent senders: gap-free, in order, exactly once."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestServer

from tests.factories import Client
from tests.server.realtime.chatkit import joined, make_org, member

SENDERS = 6
PER_SENDER = 15


async def test_concurrent_senders_give_every_receiver_one_gapless_ordered_sequence(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    ref = org.ref()
    people = [org.owner] + [await member(http, org) for _ in range(SENDERS - 1)]
    senders = [await joined(server, person, ref) for person in people]
    receivers = [await joined(server, person, ref) for person in people[:3]]

    async def burst(index: int) -> list[int]:
        seqs = []
        for n in range(PER_SENDER):
            ack = await senders[index].call(
                "message:send",
                {"channel": ref, "content": f"{index}-{n}", "client_msg_id": f"{index}-{n}"},
                timeout=30,
            )
            assert ack["ok"], ack
            seqs.append(ack["data"]["seq"])
        return seqs

    try:
        acked = await asyncio.gather(*[burst(i) for i in range(SENDERS)])
        total = SENDERS * PER_SENDER
        assert sorted(s for seqs in acked for s in seqs) == list(range(1, total + 1))
        for seqs in acked:
            assert seqs == sorted(seqs), "one sender's messages keep their order"
        for receiver in receivers:
            events = await receiver.wait_for("message:new", count=total, timeout=30)
            assert [m["seq"] for m in events] == list(range(1, total + 1))
        # A late joiner recovering with sync from any point sees the same sequence.
        tail = await receivers[0].call("sync", {"cursors": [{"channel": ref, "after_seq": 40}]})
        synced = tail["data"]["channels"][0]["messages"]
        assert [m["seq"] for m in synced] == list(range(41, total + 1))
    finally:
        for peer in senders + receivers:
            await peer.close()
