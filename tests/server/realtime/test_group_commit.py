"""Group commit (server/services/group_commit.py): sends of many channels arriving at once
share a transaction, and each keeps what a send promises alone: its ack only after the
commit, a gap-free seq in its channel's order, idempotent retries, and a refusal that
fails that send only."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from aiohttp.test_utils import TestServer
from sqlalchemy import event

from server.keys import ENGINE
from tests.factories import Client, expect
from tests.server.realtime.chatkit import Org, make_org, member
from tests.sio import Peer, connected

CHANNELS = 10
ROUNDS = 3


async def _world(
    server: TestServer, http: Client, count: int
) -> tuple[list[dict[str, Any]], list[Peer]]:
    """An organization's `count` group channels, and a socket of its owner for each."""
    org = await make_org(http)
    refs = await _groups(http, org, count)
    return refs, [await connected(server, org.owner.access_token) for _ in refs]


async def _groups(http: Client, org: Org, count: int) -> list[dict[str, Any]]:
    """`count` group channels of the owner and one colleague."""
    colleague = await member(http, org)
    refs = []
    for i in range(count):
        made = await expect(
            await http.post(
                f"/api/v1/orgs/{org.id}/groups",
                json={"name": f"lot {i}", "member_ids": [str(colleague.id)]},
                headers=org.owner.headers,
            ),
            201,
        )
        refs.append({"type": made["type"], "id": made["id"]})
    return refs


def _count_commits(server: TestServer) -> list[int]:
    """How many transactions the server committed from now on (one counter)."""
    commits = [0]

    def counted(*_: Any) -> None:
        commits[0] += 1

    event.listen(server.app[ENGINE].sync_engine, "commit", counted)
    return commits


async def _history(peer: Peer, ref: dict[str, Any]) -> list[dict[str, Any]]:
    ack = await peer.call("message:history", {"channel": ref, "limit": 50})
    assert ack["ok"], ack
    messages: list[dict[str, Any]] = ack["data"]["messages"]
    return sorted(messages, key=lambda m: m["seq"])


async def _send(peer: Peer, ref: dict[str, Any], content: str, **extra: Any) -> dict[str, Any]:
    payload = {"channel": ref, "content": content, "client_msg_id": uuid.uuid4().hex, **extra}
    ack: dict[str, Any] = await peer.call("message:send", payload)
    return ack


async def test_sends_of_many_channels_at_once_share_commits_and_keep_their_order(
    server: TestServer, http: Client
) -> None:
    refs, peers = await _world(server, http, CHANNELS)
    commits = _count_commits(server)

    async def talk(peer: Peer, ref: dict[str, Any]) -> list[dict[str, Any]]:
        acks = [await _send(peer, ref, f"{ref['id']} #{n}") for n in range(ROUNDS)]
        assert all(a["ok"] for a in acks), acks
        return [a["data"] for a in acks]

    sent = await asyncio.gather(*(talk(peer, ref) for peer, ref in zip(peers, refs, strict=True)))
    # Fewer transactions than sends: those queued behind a commit shared the next one.
    assert commits[0] < CHANNELS * ROUNDS, commits
    for ref, mine in zip(refs, sent, strict=True):
        stored = await _history(peers[0], ref)
        assert [m["seq"] for m in stored] == list(range(1, ROUNDS + 1))
        assert [(m["id"], m["seq"], m["content"]) for m in stored] == [
            (m["id"], m["seq"], m["content"]) for m in mine
        ]
    for peer in peers:
        await peer.close()


async def test_a_refused_send_fails_alone_and_a_retry_answers_the_first_message(
    server: TestServer, http: Client
) -> None:
    refs, peers = await _world(server, http, CHANNELS)
    first = await _send(peers[0], refs[0], "déjà là", client_msg_id="retry-me")
    assert first["ok"], first
    # A burst: every channel gets a good send; with them, a send naming an upload that
    # does not exist and a retry of the stored message.
    pairs = enumerate(zip(peers, refs, strict=True))
    burst = [_send(peer, ref, f"burst {i}") for i, (peer, ref) in pairs]
    bad = _send(peers[1], refs[1], "pièce fantôme", attachment_ids=[str(uuid.uuid4())])
    retry = _send(peers[2], refs[0], "déjà là", client_msg_id="retry-me")
    *good, refused, again = await asyncio.gather(*burst, bad, retry)
    assert all(a["ok"] for a in good), good
    assert refused["error"]["code"] == "validation_error", refused
    assert refused["error"]["details"][0]["loc"] == ["data", "attachment_ids", 0]
    assert again["ok"] and again["data"]["id"] == first["data"]["id"], again
    for i, ref in enumerate(refs):
        contents = [m["content"] for m in await _history(peers[0], ref)]
        assert contents == (["déjà là"] if i == 0 else []) + [f"burst {i}"], contents
    for peer in peers:
        await peer.close()


async def test_one_send_at_a_time_commits_alone_at_once(server: TestServer, http: Client) -> None:
    (ref,), (peer,) = await _world(server, http, 1)
    commits = _count_commits(server)
    for n in range(3):
        ack = await _send(peer, ref, f"seul {n}")
        assert ack["ok"] and ack["data"]["seq"] == n + 1, ack
    assert commits[0] >= 3  # nothing waited for company
    await peer.close()
