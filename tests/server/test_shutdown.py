"""Graceful shutdown of real `aurentia serve` processes behind a load balancer.

SIGTERM arrives during a burst of `message:send`. Afterwards: the process exited 0
within its deadline; its sockets reconnected by themselves through the balancer (to the
other process with Redis, else to a restarted one); every acked message is stored once;
every unacked one, resent with its `client_msg_id`, is acked once and stored once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import socketio
from prometheus_client.parser import text_string_to_metric_families

from tests.balancer import Balancer
from tests.factories import expect
from tests.jsclient import run_scenario
from tests.server.realtime.chatkit import make_org, member
from tests.serverproc import ServerProcess, start_servers

DEADLINE = 6.0
ENV = {
    "shutdown_timeout_seconds": DEADLINE,
    # The burst is the point here, not the per-socket rate limit.
    "socket_events_per_second": 10_000,
    "socket_event_burst": 10_000,
}


@dataclass
class Sender:
    name: str
    token: str
    client: socketio.AsyncClient = field(
        default_factory=lambda: socketio.AsyncClient(
            reconnection=True, reconnection_delay=0.2, reconnection_delay_max=1
        )
    )
    acked: dict[str, str] = field(default_factory=dict)  # client_msg_id -> message id
    unacked: list[str] = field(default_factory=list)
    sessions: int = 0
    disconnects: list[str] = field(default_factory=list)

    async def connect(self, url: str) -> None:
        async def on_session(_data: Any) -> None:
            self.sessions += 1

        async def on_disconnect(reason: Any = None) -> None:
            self.disconnects.append(str(reason))

        self.client.on("session", on_session)
        self.client.on("disconnect", on_disconnect)
        await self.client.connect(
            url, auth={"token": self.token}, transports=["websocket"], wait_timeout=10
        )

    async def send(self, channel: dict[str, Any], client_msg_id: str) -> bool:
        payload = {
            "channel": channel,
            "content": f"burst {client_msg_id}",
            "client_msg_id": client_msg_id,
        }
        try:
            ack = await self.client.call("message:send", payload, timeout=5)
        except (socketio.exceptions.SocketIOError, TimeoutError):
            return False
        if not ack["ok"]:
            return False
        self.acked[client_msg_id] = ack["data"]["id"]
        return True

    async def burst(self, channel: dict[str, Any], stop: asyncio.Event) -> None:
        n = 0
        while not stop.is_set():
            client_msg_id = f"{self.name}-{n}"
            n += 1
            if not await self.send(channel, client_msg_id):
                self.unacked.append(client_msg_id)
                await asyncio.sleep(0.05)  # disconnected or refused: do not spin


async def _until(check: Any, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def _stored(
    http: aiohttp.ClientSession, org_id: str, token: str, channel: dict[str, Any]
) -> list[Any]:
    messages: list[Any] = []
    after = 0
    while True:
        resp = await http.get(
            f"/api/v1/orgs/{org_id}/channels/{channel['type']}/{channel['id']}/messages",
            params={"after_seq": str(after), "limit": "100"},
            headers={"Authorization": f"Bearer {token}"},
        )
        page = await expect(resp, 200)
        messages.extend(page["messages"])
        if not page["has_more"] or not page["messages"]:
            return messages
        after = page["messages"][-1]["seq"]


@asynccontextmanager
async def _cluster(database_url: str, redis_url: str | None) -> AsyncIterator[list[ServerProcess]]:
    procs = await start_servers(database_url, redis_url, 2 if redis_url else 1, **ENV)
    try:
        yield procs
    finally:
        for proc in procs:
            proc.stop()


async def test_sigterm_during_a_burst_loses_no_acked_message_and_stores_none_twice(
    database_url: str, redis_url: str | None
) -> None:
    async with _cluster(database_url, redis_url) as procs:
        victim = procs[0]
        balancer = await Balancer([p.port for p in procs]).start()
        senders: list[Sender] = []
        gone = Sender("gone", "", socketio.AsyncClient(reconnection=False))
        try:
            async with aiohttp.ClientSession(base_url=procs[-1].url) as http:
                org = await make_org(http)  # type: ignore[arg-type]
                people = [org.owner, await member(http, org), await member(http, org)]  # type: ignore[arg-type]
                leaver = await member(http, org)  # type: ignore[arg-type]
            senders = [Sender(f"s{i}", u.access_token) for i, u in enumerate(people)]
            for sender in senders:  # all on the victim: the balancer's first choice
                await sender.connect(balancer.url)
            # Someone on the victim whose client will not come back: offline, last_seen kept.
            gone = Sender("gone", leaver.access_token, socketio.AsyncClient(reconnection=False))
            await gone.connect(victim.url)
            stop = asyncio.Event()
            bursts = [asyncio.create_task(s.burst(org.ref(), stop)) for s in senders]
            await _until(lambda: all(len(s.acked) >= 5 for s in senders), "the burst to start")

            victim.terminate()
            started = time.monotonic()
            assert await victim.wait(timeout=DEADLINE + 20) == 0, victim.log_text()
            stopped_after = time.monotonic() - started
            assert stopped_after < DEADLINE + 5, stopped_after
            if len(procs) == 1:  # no other process: the same service comes back
                replacement = await ServerProcess(database_url, redis_url, **ENV).start()
                procs.append(replacement)
                balancer.backends = [replacement.port]

            # Every socket reconnects on its own and carries on sending.
            # (python-socketio hands over `session` before it marks the namespace connected)
            await _until(
                lambda: all(s.sessions >= 2 and s.client.connected for s in senders),
                "the reconnections",
            )
            assert all(s.disconnects for s in senders)
            listing = await senders[0].client.call(
                "presence:list", {"organization_id": org.id}, timeout=10
            )
            statuses = {p["user_id"]: p for p in listing["data"]["users"]}
            assert all(statuses[str(u.id)]["status"] == "online" for u in people), statuses
            assert statuses[str(leaver.id)]["status"] == "offline", victim.log_text()[-4000:]
            assert statuses[str(leaver.id)]["last_seen"], statuses
            marks = {s.name: len(s.acked) for s in senders}
            await _until(
                lambda: all(len(s.acked) >= marks[s.name] + 3 for s in senders), "sends after"
            )
            stop.set()
            await asyncio.gather(*bursts)

            resent: dict[str, str] = {}
            for sender in senders:
                for client_msg_id in sender.unacked:
                    assert await sender.send(org.ref(), client_msg_id), client_msg_id
                    resent[client_msg_id] = sender.acked[client_msg_id]

            async with aiohttp.ClientSession(base_url=procs[-1].url) as http:
                stored = await _stored(http, org.id, org.owner.access_token, org.ref())
        finally:
            for sender in senders:
                await sender.client.shutdown()
            await gone.client.shutdown()
            await balancer.close()

    by_client_id: dict[str, list[str]] = {}
    for message in stored:
        by_client_id.setdefault(message["client_msg_id"], []).append(message["id"])
    twice = {k: v for k, v in by_client_id.items() if len(v) > 1}
    assert not twice, twice
    acked = {k: v for s in senders for k, v in s.acked.items()}
    assert {k: v[0] for k, v in by_client_id.items()} == acked
    assert set(resent) <= set(acked)
    seqs = [m["seq"] for m in stored]
    assert seqs == list(range(1, len(seqs) + 1))


async def _connected_sockets(url: str) -> float:
    async with aiohttp.ClientSession() as http, http.get(f"{url}/metrics") as resp:
        text = await resp.text()
    for family in text_string_to_metric_families(text):
        if family.name == "aurentia_connected_sockets":
            return float(family.samples[0].value)
    return 0.0


async def test_the_node_client_reconnects_by_itself_after_a_sigterm(
    database_url: str, redis_url: str | None
) -> None:
    """socket.io-client, as browsers run it, with its default reconnection: the transport
    closes ("transport close", not "io server disconnect") and it comes back alone."""
    async with _cluster(database_url, redis_url) as procs:
        victim = procs[0]
        balancer = await Balancer([p.port for p in procs]).start()
        try:
            async with aiohttp.ClientSession(base_url=procs[-1].url) as http:
                org = await make_org(http)  # type: ignore[arg-type]
            message = {"channel": org.ref(), "content": "after", "client_msg_id": "js-after"}
            scenario = asyncio.create_task(
                run_scenario(
                    {
                        "url": balancer.url,
                        "transports": ["websocket"],
                        "timeout_ms": 30_000,
                        "clients": [
                            {
                                "name": "a",
                                "auth": {"token": org.owner.access_token},
                                "reconnection": True,
                            }
                        ],
                        "steps": [
                            {"client": "a", "connect": True},
                            {"client": "a", "wait_event": "session"},
                            {"client": "a", "wait_disconnect": True},
                            {"client": "a", "wait_event": "session", "count": 2},
                            {"client": "a", "emit": "message:send", "data": message, "ack": True},
                        ],
                    },
                    timeout=90,
                )
            )
            for _ in range(600):  # the client is on the victim: the balancer's first choice
                if scenario.done() or await _connected_sockets(victim.url) >= 1:
                    break
                await asyncio.sleep(0.05)
            victim.terminate()
            assert await victim.wait(timeout=DEADLINE + 20) == 0, victim.log_text()
            if len(procs) == 1:
                replacement = await ServerProcess(database_url, redis_url, **ENV).start()
                procs.append(replacement)
                balancer.backends = [replacement.port]
            result = await scenario
        finally:
            await balancer.close()
    steps = result["steps"]
    assert all(step["ok"] for step in steps), steps
    assert steps[2]["result"]["reason"] == "transport close"
    assert steps[3]["result"]["count"] == 2
    assert steps[4]["result"]["data"]["ok"], steps[4]
