"""Threads: replies are channel messages with a root; the root counts them, the channel
hears the new counts, and the thread's people are notified of replies but their own."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestServer

from tests.factories import Client, User, expect
from tests.server.realtime.chatkit import joined, make_org, member, send, settle
from tests.sio import connected


async def _unread_types(http: Client, user: User) -> list[str]:
    url = "/api/v1/notifications?unread_only=true"
    page = await expect(await http.get(url, headers=user.headers), 200)
    return [n["type"] for n in page["items"]]


async def test_replies_count_on_the_root_and_the_channel_hears_it(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    bob = await member(http, org)
    ref = org.ref()
    alice, bob_peer = await joined(server, org.owner, ref), await joined(server, bob, ref)
    try:
        root = await send(alice, ref, "qui prend la démo ?")
        assert root["reply_count"] == 0 and root["last_reply_at"] is None
        reply = await send(bob_peer, ref, "moi", parent_id=root["id"])
        assert reply["parent_id"] == root["id"] and reply["seq"] == root["seq"] + 1
        updated = [m for m in await alice.wait_for("message:updated") if m["id"] == root["id"]]
        assert updated[-1]["reply_count"] == 1
        assert updated[-1]["last_reply_at"] == reply["created_at"]
        # A retried reply is the same message and counts once.
        again = await bob_peer.call(
            "message:send",
            {
                "channel": ref,
                "content": "moi",
                "client_msg_id": reply["client_msg_id"],
                "parent_id": root["id"],
            },
        )
        assert again["data"]["id"] == reply["id"]
        await send(alice, ref, "merci", parent_id=root["id"])
        ack = await bob_peer.call("message:thread", {"message_id": root["id"]})
        thread = ack["data"]
        assert thread["root"]["id"] == root["id"] and thread["root"]["reply_count"] == 2
        assert [m["content"] for m in thread["replies"]] == ["moi", "merci"]
        assert thread["has_more"] is False
        # Replies stay messages of the channel: history and sync see them in seq order.
        history = await bob_peer.call("message:history", {"channel": ref})
        assert [m["content"] for m in history["data"]["messages"]][-3:] == [
            "qui prend la démo ?",
            "moi",
            "merci",
        ]
        # Paging back, and the same thread over HTTP, named by a reply too.
        url = f"/api/v1/orgs/{org.id}/messages/{reply['id']}/thread?limit=1"
        page = await expect(await http.get(url, headers=bob.headers), 200)
        assert [m["content"] for m in page["replies"]] == ["merci"] and page["has_more"] is True
        before = page["replies"][0]["seq"]
        page = await expect(await http.get(f"{url}&before_seq={before}", headers=bob.headers), 200)
        assert [m["content"] for m in page["replies"]] == ["moi"] and page["has_more"] is False
    finally:
        await alice.close()
        await bob_peer.close()


async def test_a_reply_must_name_a_first_message_of_the_same_channel(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    ref = org.ref()
    alice = await joined(server, org.owner, ref)
    try:
        root = await send(alice, ref, "racine")
        reply = await send(alice, ref, "réponse", parent_id=root["id"])
        to_bob: dict[str, Any] = {"type": "direct", "id": str((await member(http, org)).id)}
        for channel, parent in [(ref, reply["id"]), (to_bob, root["id"])]:
            ack = await alice.call(
                "message:send",
                {"channel": channel, "content": "x", "client_msg_id": parent, "parent_id": parent},
            )
            assert ack["error"]["code"] == "validation_error", ack
        missing = "00000000-0000-4000-8000-000000000000"
        ack = await alice.call("message:thread", {"message_id": missing})
        assert ack["error"]["code"] == "not_found"
        ack = await alice.call("message:thread", {"message_id": root["id"], "limit": 0})
        assert ack["error"]["code"] == "validation_error"
    finally:
        await alice.close()


async def test_the_thread_people_are_notified_of_replies_but_not_of_their_own(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    bob, carol, dave = await member(http, org), await member(http, org), await member(http, org)
    contact = await member(http, org, "CLIENT")
    ref = org.ref()
    alice = await joined(server, org.owner, ref)
    bob_peer, carol_peer = (
        await connected(server, bob.access_token),
        await connected(server, carol.access_token),
    )
    try:
        root = await send(alice, ref, "retour client ?")
        await send(bob_peer, ref, "pas encore", parent_id=root["id"])
        assert await _unread_types(http, org.owner) == ["REPLY"]
        assert await _unread_types(http, bob) == []
        # Carol muted the channel: a reply to a thread she is in reaches her only by mention.
        mute = f"/api/v1/orgs/{org.id}/channels/organization/{ref['id']}/settings"
        await expect(await http.put(mute, json={"muted": True}, headers=carol.headers), 200)
        await send(carol_peer, ref, "je relance", parent_id=root["id"])
        assert await _unread_types(http, bob) == ["REPLY"]
        await send(alice, ref, f"@{carol.email} merci", parent_id=root["id"])
        assert await _unread_types(http, carol) == ["MENTION"]  # once, as a mention
        assert await _unread_types(http, bob) == ["REPLY", "REPLY"]
        assert await _unread_types(http, dave) == []
        assert await _unread_types(http, contact) == []
        note = (
            await expect(
                await http.get("/api/v1/notifications?unread_only=true", headers=bob.headers), 200
            )
        )["items"][0]
        assert note["metadata"]["root_id"] == root["id"]
        await settle()
    finally:
        for peer in (alice, bob_peer, carol_peer):
            await peer.close()


async def test_a_thread_of_a_channel_the_caller_cannot_read_is_not_found(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    contact = await member(http, org, "CLIENT")
    ref = org.ref()
    alice = await joined(server, org.owner, ref)
    try:
        root = await send(alice, ref, "interne")
        url = f"/api/v1/orgs/{org.id}/messages/{root['id']}/thread"
        assert (await http.get(url, headers=contact.headers)).status == 404
        other = await make_org(http)
        assert (await http.get(url, headers=other.owner.headers)).status == 404
        assert (await http.get(f"{url}?limit=500", headers=org.owner.headers)).status == 422
    finally:
        await alice.close()
