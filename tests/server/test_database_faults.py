"""PostgreSQL unreachable, then back, under a running server process."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from tests.server.realtime.chatkit import joined, make_org, member, send
from tests.server.realtime.clusterkit import eventually, processes, seqs
from tests.serverproc import ServerProcess
from tests.tcpproxy import TcpProxy, proxy_to

pytestmark = pytest.mark.redis


@pytest.fixture
async def database_proxy(database_url: str) -> AsyncIterator[TcpProxy]:
    proxy = await proxy_to(database_url)
    yield proxy
    await proxy.close()


async def _ready(proc: ServerProcess) -> bool:
    async with proc.http() as http, http.get("/readyz") as resp:
        return resp.status == 200


async def test_database_outage_answers_unavailable_writes_nothing_and_heals_by_itself(
    database_url: str, redis_url: str, database_proxy: TcpProxy
) -> None:
    async with processes(database_proxy.url_for(database_url), redis_url, count=1) as (a,):
        async with a.http() as http:
            org = await make_org(http)  # type: ignore[arg-type]
            bob = await member(http, org)  # type: ignore[arg-type]
        ref = org.ref()
        sender = await joined(a, org.owner, ref)  # type: ignore[arg-type]
        receiver = await joined(a, bob, ref)  # type: ignore[arg-type]
        try:
            await send(sender, ref, "before")

            database_proxy.cut()
            request = {"channel": ref, "content": "during", "client_msg_id": uuid.uuid4().hex}
            ack = await sender.call("message:send", request, timeout=30)
            assert ack["ok"] is False and ack["error"]["code"] == "unavailable", ack
            async with a.http() as http:
                resp = await http.get(f"/api/v1/orgs/{org.id}/channels", headers=bob.headers)
                assert resp.status == 503
                assert resp.content_type == "application/problem+json"
                assert (await resp.json())["code"] == "unavailable"
                async with http.get("/readyz") as probe:
                    assert probe.status == 503
                    body = await probe.json()
                    assert body["status"] == "unavailable"
                    assert body["checks"]["database"] == "unavailable"

            database_proxy.restore()
            await eventually(lambda: _ready(a), every=0.5)
            # The failed send took nothing (no seq, no row): its retry is the next message.
            retried = await sender.call("message:send", request, timeout=30)
            assert retried["ok"], retried
            assert retried["data"]["seq"] == 2
            history = await sender.call("message:history", {"channel": ref})
            assert [m["content"] for m in history["data"]["messages"]] == ["before", "during"]
            await receiver.wait_until(lambda: seqs(receiver, ref) == [1, 2], timeout=10)
            assert (await send(sender, ref, "after"))["seq"] == 3
        finally:
            await sender.close()
            await receiver.close()
