"""History and sync answer each message exactly as the models do: pages are built as JSON
directly (server/services/chat/message_views.py `message_json`), not through `p.Message`,
so every field, its order and its format are checked against the model's own dump."""

from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

from protocol import chat as p
from tests.factories import Client, expect
from tests.server.realtime.chatkit import Org, joined, make_org, member, send


def _canonical(message: dict[str, Any]) -> None:
    """`message` is `p.Message` as pydantic writes it: same keys in the same order, same
    values in the same format."""
    assert list(message) == list(p.Message.model_fields)
    assert p.Message.model_validate(message).model_dump(mode="json") == message


async def _upload(http: Client, org: Org, headers: dict[str, str]) -> dict[str, Any]:
    form = aiohttp.FormData()
    form.add_field("file", b"notes", filename="notes.txt", content_type="text/plain")
    resp = await http.post(f"/api/v1/orgs/{org.id}/uploads", data=form, headers=headers)
    return dict(await expect(resp, 201))


async def test_pages_with_and_without_reactions_files_threads_pins_and_edits(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    bob = await member(http, org)
    ref = org.ref()
    alice, bob_peer = await joined(server, org.owner, ref), await joined(server, bob, ref)
    try:
        plain = await send(alice, ref, "bonjour")
        made = await _upload(http, org, org.owner.headers)
        root = await send(alice, ref, "le plan", attachment_ids=[made["id"]])
        await send(bob_peer, ref, "d'accord", parent_id=root["id"])
        for peer, emoji in ((bob_peer, "👍"), (alice, "🎉"), (alice, "👍")):
            ack = await peer.call("reaction:add", {"message_id": root["id"], "emoji": emoji})
            assert ack["ok"], ack
        pinned = await alice.call("message:pin", {"message_id": root["id"]})
        edited_msg = await send(alice, ref, "brouillon")
        edited = await alice.call("message:edit", {"message_id": edited_msg["id"], "content": "v2"})
        gone = await send(alice, ref, "oups")
        assert (await alice.call("message:delete", {"message_id": gone["id"]}))["ok"]

        history = (await bob_peer.call("message:history", {"channel": ref}))["data"]
        by_id = {m["id"]: m for m in history["messages"]}
        for message in history["messages"]:
            _canonical(message)
        # The model path (the pin's and the edit's answers) renders the same messages.
        assert by_id[root["id"]] == pinned["data"]
        assert by_id[root["id"]]["reactions"] == [
            {"emoji": "👍", "count": 2, "user_ids": [str(bob.id), str(org.owner.id)]},
            {"emoji": "🎉", "count": 1, "user_ids": [str(org.owner.id)]},
        ]
        assert by_id[root["id"]]["attachments"] == [made]
        assert by_id[root["id"]]["reply_count"] == 1 and by_id[root["id"]]["pinned"]
        assert by_id[edited_msg["id"]] == edited["data"]
        assert by_id[gone["id"]]["deleted"] and by_id[gone["id"]]["content"] == ""
        assert by_id[plain["id"]] == {**plain, "reactions": []}

        url = f"/api/v1/orgs/{org.id}/channels/{ref['type']}/{ref['id']}/messages"
        assert await expect(await http.get(url, headers=bob.headers), 200) == history

        cursor = {"channel": ref, "after_seq": plain["seq"]}
        synced = await bob_peer.call("sync", {"cursors": [cursor], "limit": 500})
        (channel,) = synced["data"]["channels"]
        assert channel["channel"] == ref and channel["has_more"] is False
        assert channel["messages"] == history["messages"][1:]
        assert channel["changed"] == []
        # Edited after it was sent: `changed` holds it, as history shows it.
        cursor = {"channel": ref, "after_seq": edited_msg["seq"]}
        synced = await bob_peer.call("sync", {"cursors": [cursor], "limit": 500})
        (channel,) = synced["data"]["channels"]
        assert channel["messages"] == history["messages"][-1:]
        assert channel["changed"] == [by_id[edited_msg["id"]]]
    finally:
        await alice.close()
        await bob_peer.close()


async def test_a_direct_page_is_named_by_the_other_side(server: TestServer, http: Client) -> None:
    org = await make_org(http)
    bob = await member(http, org)
    to_bob = {"type": "direct", "id": str(bob.id)}
    to_alice = {"type": "direct", "id": str(org.owner.id)}
    alice = await joined(server, org.owner, to_bob)
    bob_peer = await joined(server, bob, to_alice)
    try:
        sent = await send(alice, to_bob, "salut")
        ack = await bob_peer.call("reaction:add", {"message_id": sent["id"], "emoji": "👋"})
        assert ack["ok"], ack
        mine = (await alice.call("message:history", {"channel": to_bob}))["data"]["messages"]
        theirs = (await bob_peer.call("message:history", {"channel": to_alice}))["data"]
        (message,) = mine
        _canonical(message)
        assert message["channel"] == to_bob and message["recipient_id"] == str(bob.id)
        assert message["reactions"] == [{"emoji": "👋", "count": 1, "user_ids": [str(bob.id)]}]
        assert theirs["messages"] == [{**message, "channel": to_alice}]
    finally:
        await alice.close()
        await bob_peer.close()
