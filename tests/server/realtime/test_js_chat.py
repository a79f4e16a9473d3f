"""The chat driven by the official JavaScript socket.io-client v4 (Node): connect, join,
send, receive, ack, reactions, idempotent retry, read state and sync, over WebSocket and
over HTTP long-polling alone."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from tests.factories import Client
from tests.jsclient import ensure_node_client, run_scenario
from tests.server.realtime.chatkit import make_org, member


@pytest.fixture(scope="module", autouse=True)
def _node_client() -> None:
    ensure_node_client()


class Steps:
    """A scenario's steps, each remembered by a name so later steps and the assertions
    can refer to its result (`ref`) without counting indexes by hand."""

    def __init__(self) -> None:
        self.steps: list[dict[str, Any]] = []
        self.index: dict[str, int] = {}

    def add(self, name: str, **step: Any) -> None:
        self.index[name] = len(self.steps)
        self.steps.append(step)

    def ref(self, name: str, path: str) -> str:
        return f"$steps.{self.index[name]}.{path}"

    def result(self, out: dict[str, Any], name: str) -> Any:
        step = out["steps"][self.index[name]]
        assert step["ok"], step
        return step["result"]

    def ack(self, out: dict[str, Any], name: str) -> Any:
        """The `data` of a successful ack (failing on an error ack)."""
        reply = self.result(out, name)["data"]
        assert reply["ok"] is True, reply
        return reply["data"]


def _scenario(
    server: TestServer, transports: list[str], clients: list[dict[str, Any]], steps: Steps
) -> dict[str, Any]:
    return {
        "url": str(server.make_url("/")).rstrip("/"),
        "transports": transports,
        "timeout_ms": 5000,
        "clients": clients,
        "steps": steps.steps,
    }


async def test_reference_client_chats_reacts_retries_reads_and_syncs(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    bob = await member(http, org)
    general = org.ref()
    first = {"channel": general, "content": "Premier message", "client_msg_id": "js-1"}

    s = Steps()
    for name in ("a", "b"):
        s.add(f"{name}:connect", client=name, connect=True)
        s.add(f"{name}:session", client=name, wait_event="session")
        s.add(f"{name}:join", client=name, emit="channel:join", data={"channel": general}, ack=True)
    s.add("send1", client="a", emit="message:send", data=first, ack=True)
    second = {"channel": general, "content": "Deuxième message", "client_msg_id": "js-2"}
    s.add("send2", client="a", emit="message:send", data=second, ack=True)
    s.add("b:received", client="b", wait_event="message:new", count=2)
    s.add(
        "react",
        client="b",
        emit="reaction:add",
        data={"message_id": s.ref("send1", "result.data.data.id"), "emoji": "🎉"},
        ack=True,
    )
    s.add("a:reaction", client="a", wait_event="reaction:updated")
    s.add("retry", client="a", emit="message:send", data=first, ack=True)
    s.add("read", client="b", emit="channel:read", data={"channel": general, "seq": 2}, ack=True)
    s.add("b:leave", client="b", disconnect=True)
    third = {"channel": general, "content": "Troisième message", "client_msg_id": "js-3"}
    s.add("send3", client="a", emit="message:send", data=third, ack=True)
    s.add("b2:connect", client="b2", connect=True)
    s.add("b2:session", client="b2", wait_event="session")
    s.add(
        "sync",
        client="b2",
        emit="sync",
        data={"cursors": [{"channel": general, "after_seq": 2}]},
        ack=True,
    )
    s.add("settle", sleep_ms=300)
    token = {"token": bob.access_token}
    clients = [
        {"name": "a", "auth": {"token": org.owner.access_token}},
        {"name": "b", "auth": token},
        {"name": "b2", "auth": token},
    ]
    out = await run_scenario(_scenario(server, ["websocket"], clients, s), timeout=60)

    assert all(step["ok"] for step in out["steps"]), out["steps"]
    assert s.result(out, "b:session")["data"]["user_id"] == str(bob.id)
    one, two = s.ack(out, "send1"), s.ack(out, "send2")
    assert (one["seq"], two["seq"]) == (1, 2)
    assert one["channel"] == general and one["content"] == "Premier message"
    assert s.result(out, "b:received")["data"] == [one, two]

    reacted = s.ack(out, "react")
    aggregate = [{"emoji": "🎉", "count": 1, "user_ids": [str(bob.id)]}]
    assert reacted == {"message_id": one["id"], "reactions": aggregate}
    assert s.result(out, "a:reaction")["data"] == reacted

    retried = s.ack(out, "retry")
    assert retried["id"] == one["id"] and retried["seq"] == 1
    assert retried["reactions"] == aggregate
    assert s.ack(out, "read") == {"read_seq": 2, "unread_count": 0}

    three = s.ack(out, "send3")
    assert three["seq"] == 3
    (synced,) = s.ack(out, "sync")["channels"]
    assert synced["channel"] == general
    assert synced["messages"] == [three] and synced["has_more"] is False
    # The reaction came after message 2 was sent: sync reports message 1 as changed, in
    # its current state.
    changed = {m["id"]: m for m in synced["changed"]}
    assert changed[one["id"]]["reactions"] == aggregate
    assert all(m["seq"] <= 2 for m in changed.values())

    def news(client: str) -> list[int]:
        return [e["data"]["seq"] for e in out["events"][client] if e["event"] == "message:new"]

    # The retry broadcast nothing; b had left before message 3, b2 joined no room.
    assert news("a") == [1, 2, 3]
    assert news("b") == [1, 2]
    assert news("b2") == []


async def test_reference_client_chats_over_long_polling_alone(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    bob = await member(http, org)
    general = org.ref()
    s = Steps()
    for name in ("a", "b"):
        s.add(f"{name}:connect", client=name, connect=True)
        s.add(f"{name}:session", client=name, wait_event="session")
        s.add(f"{name}:join", client=name, emit="channel:join", data={"channel": general}, ack=True)
    message = {"channel": general, "content": "Par le polling", "client_msg_id": "poll-1"}
    s.add("send", client="a", emit="message:send", data=message, ack=True)
    s.add("b:received", client="b", wait_event="message:new")
    clients = [
        {"name": "a", "auth": {"token": org.owner.access_token}},
        {"name": "b", "auth": {"token": bob.access_token}},
    ]
    out = await run_scenario(_scenario(server, ["polling"], clients, s), timeout=60)

    assert all(step["ok"] for step in out["steps"]), out["steps"]
    for name in ("a", "b"):
        assert s.result(out, f"{name}:connect")["connected"] is True
        assert s.ack(out, f"{name}:join")["channel"]["id"] == general["id"]
    sent = s.ack(out, "send")
    assert sent["seq"] == 1 and sent["content"] == "Par le polling"
    assert s.result(out, "b:received")["data"] == sent
