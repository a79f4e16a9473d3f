"""Redis unreachable, then back: the node keeps storing, acking and serving its own
sockets, counts and logs what it could not publish, and heals by itself."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from server import metrics
from server.keys import SIO
from server.realtime.cluster import ResilientRedisManager
from tests.conftest import AppFactory
from tests.factories import PASSWORD, expect
from tests.server.realtime.chatkit import joined, make_org, member, send
from tests.server.realtime.clusterkit import eventually, processes, recovered, seqs
from tests.serverproc import ServerProcess
from tests.sio import Peer, connected
from tests.tcpproxy import TcpProxy, proxy_to

pytestmark = pytest.mark.redis


@pytest.fixture
async def redis_proxy(redis_url: str | None) -> AsyncIterator[TcpProxy]:
    assert redis_url
    proxy = await proxy_to(redis_url)
    yield proxy
    await proxy.close()


async def readiness(proc: ServerProcess) -> tuple[int, Any]:
    async with proc.http() as http, http.get("/readyz") as resp:
        return resp.status, await resp.json()


async def test_redis_outage_degrades_delivery_but_not_sends_and_heals_by_itself(
    database_url: str, redis_url: str, redis_proxy: TcpProxy
) -> None:
    async with processes(database_url, redis_proxy.url_for(redis_url)) as (a, b):
        async with a.http() as http:
            org = await make_org(http)  # type: ignore[arg-type]
            bob = await member(http, org)  # type: ignore[arg-type]
            carol = await member(http, org)  # type: ignore[arg-type]
            dave = await member(http, org)  # type: ignore[arg-type]
        ref = org.ref()
        sender = await joined(a, org.owner, ref)  # type: ignore[arg-type]
        local = await joined(a, bob, ref)  # type: ignore[arg-type]
        remote = await joined(b, carol, ref)  # type: ignore[arg-type]
        late: Peer | None = None
        try:
            await send(sender, ref, "before")
            await remote.wait_until(lambda: seqs(remote, ref) == [1], timeout=10)
            assert await readiness(a) == (200, {"status": "ready", "checks": ready_checks()})

            redis_proxy.cut()
            for n in (2, 3, 4):
                assert (await send(sender, ref, f"during {n}"))["seq"] == n
            await local.wait_until(lambda: len(seqs(local, ref)) >= 4, timeout=10)
            assert seqs(local, ref) == [1, 2, 3, 4], "same-process delivery, exactly once"
            await eventually(lambda: "redis publish failed" in a.log_text())
            degraded = {"database": "ok", "redis": "unavailable"}
            assert await readiness(a) == (200, {"status": "degraded", "checks": degraded})
            # Rate limits fall back to this process; presence degrades, never crashes.
            async with a.http() as http:
                login = {"email": dave.email, "password": PASSWORD}
                await expect(await http.post("/api/v1/auth/login", json=login), 200)
            late = await connected(a, dave.access_token)  # type: ignore[arg-type]
            listing = await late.call("presence:list", {"organization_id": org.id})
            assert listing["error"]["code"] == "unavailable"
            assert seqs(remote, ref) == [1]

            redis_proxy.restore()
            await eventually(lambda: _status_is(a, "ready"))
            # Once both processes are back on Redis, new messages cross again...
            pings = 0

            async def crossed() -> bool:
                nonlocal pings
                if len(seqs(remote, ref)) > 1:
                    return True
                pings += 1
                await send(sender, ref, f"ping {pings}")
                return False

            await eventually(crossed, every=0.5)
            # ...and the remote client fills the gap through sync.
            last = 4 + pings
            await remote.wait_until(lambda: seqs(remote, ref)[-1] == last, timeout=10)
            shown = await recovered(remote, ref, seqs(remote, ref))
            assert shown == list(range(1, last + 1))
            await local.wait_until(lambda: len(seqs(local, ref)) >= last, timeout=10)
            assert seqs(local, ref) == list(range(1, last + 1))

            # Dave connected during the outage: his presence is stored once Redis answers
            # again (an announcement published before B resubscribed is lost to B's
            # clients, like any event: they reload presence with `presence:list`).
            async def dave_online() -> bool:
                ack = await remote.call("presence:list", {"organization_id": org.id})
                assert ack["ok"], ack
                return {u["user_id"]: u["status"] for u in ack["data"]["users"]}[
                    str(dave.id)
                ] == "online"

            await eventually(dave_online, every=0.5)
        finally:
            for peer in (sender, local, remote, late):
                if peer is not None:
                    await peer.close()


def ready_checks() -> dict[str, str]:
    return {"database": "ok", "redis": "ok"}


async def _status_is(proc: ServerProcess, status: str) -> bool:
    return (await readiness(proc))[1]["status"] == status


async def test_failed_publish_is_counted_and_local_sockets_get_the_event_once(
    make_app: AppFactory,
    aiohttp_server: Callable[[web.Application], Awaitable[TestServer]],
    aiohttp_client: Any,
    redis_url: str,
    redis_proxy: TcpProxy,
) -> None:
    server = await aiohttp_server(make_app(redis_url=redis_proxy.url_for(redis_url)))
    http = await aiohttp_client(server)
    org = await make_org(http)
    bob = await member(http, org)
    ref = org.ref()
    sender = await joined(server, org.owner, ref)
    receiver = await joined(server, bob, ref)
    manager = server.app[SIO].manager
    assert isinstance(manager, ResilientRedisManager)
    try:
        await eventually(lambda: manager.listening)
        await send(sender, ref, "up")
        redis_proxy.cut()
        before = metrics.redis_publish_failures._value.get()
        msg = await send(sender, ref, "down")
        assert metrics.redis_publish_failures._value.get() > before
        await receiver.wait_until(lambda: seqs(receiver, ref) == [1, 2], timeout=10)
        await eventually(lambda: not manager.listening)
        redis_proxy.restore()
        await eventually(lambda: manager.listening)
        await send(sender, ref, "up again")
        await receiver.wait_until(lambda: seqs(receiver, ref) == [1, 2, 3], timeout=10)
        assert receiver.events["message:new"][1]["id"] == msg["id"]
    finally:
        await sender.close()
        await receiver.close()
