"""Two real `aurentia serve` processes on one PostgreSQL and Redis, and the client-side
logic of contract section 3 that the cross-process tests hold the server to."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from tests.serverproc import ServerProcess, start_servers
from tests.sio import Peer

# Presence short enough for a test to wait for a dead process's users (ttl + sweep),
# socket limits out of the way of bursts.
FAST_ENV: dict[str, object] = {
    "presence_ttl_seconds": 2.0,
    "presence_sweep_seconds": 0.5,
    "presence_grace_seconds": 0.3,
    "typing_timeout_seconds": 1.0,
    "socket_events_per_second": 1000,
    "socket_event_burst": 1000,
}
PRESENCE_BOUND = 2.0 + 0.5


@contextlib.asynccontextmanager
async def processes(
    database_url: str, redis_url: str | None, count: int = 2, **env: object
) -> AsyncIterator[list[ServerProcess]]:
    procs = await start_servers(database_url, redis_url, count, **(FAST_ENV | env))
    try:
        yield procs
    finally:
        for proc in procs:
            proc.stop()


async def eventually(check: Callable[[], Any], timeout: float = 20, every: float = 0.1) -> Any:
    """Poll `check` (sync or async) until it returns something truthy; return it."""
    async with asyncio.timeout(timeout):
        while True:
            result = check()
            if asyncio.iscoroutine(result):
                result = await result
            if result:
                return result
            await asyncio.sleep(every)


def seqs(peer: Peer, ref: dict[str, Any], skip: int = 0) -> list[int]:
    """Seqs of the `message:new` events of channel `ref` that `peer` received, in order."""
    return [
        m["seq"]
        for m in peer.events["message:new"][skip:]
        if m["channel"]["type"] == ref["type"] and m["channel"]["id"] == ref["id"]
    ]


async def recovered(peer: Peer, ref: dict[str, Any], received: list[int]) -> list[int]:
    """What a client following the contract shows: live messages kept while they follow
    on from the last one shown, a gap filled with `sync` from that point, anything at or
    below it dropped (already shown). Returns the seqs shown, in order."""
    shown: list[int] = []
    for seq in received:
        last = shown[-1] if shown else 0
        if seq <= last:
            continue
        if seq > last + 1:
            shown.extend(await synced(peer, ref, last))
            continue
        shown.append(seq)
    return shown


async def synced(peer: Peer, ref: dict[str, Any], after_seq: int) -> list[int]:
    """Every seq after `after_seq`, through `sync` (paging while `has_more`)."""
    out: list[int] = []
    while True:
        cursor = out[-1] if out else after_seq
        ack = await peer.call("sync", {"cursors": [{"channel": ref, "after_seq": cursor}]})
        assert ack["ok"], ack
        (channel,) = ack["data"]["channels"]
        out.extend(m["seq"] for m in channel["messages"])
        if not channel["has_more"]:
            return out
