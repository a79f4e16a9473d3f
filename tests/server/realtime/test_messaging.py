"""Messages over Socket.IO: send, retry, edit, delete, history, reactions, read state."""

from __future__ import annotations

import uuid

from aiohttp.test_utils import TestServer

from tests.factories import Client
from tests.server.realtime.chatkit import joined, make_org, member, send, settle
from tests.sio import connected


async def test_send_acks_the_stored_message_and_reaches_every_joined_socket(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    bob = await member(http, org)
    ref = org.ref()
    alice_phone = await joined(server, org.owner, ref)
    alice_laptop = await joined(server, org.owner, ref)
    bob_peer = await joined(server, bob, ref)
    try:
        msg = await send(alice_phone, ref, "  Bonjour l'équipe  ")
        assert msg["seq"] == 1 and msg["content"] == "Bonjour l'équipe"
        assert msg["channel"] == ref and msg["organization_id"] == org.id
        assert msg["sender_id"] == str(org.owner.id) and msg["deleted"] is False
        for peer in (bob_peer, alice_laptop, alice_phone):
            (received,) = await peer.wait_for("message:new")
            assert received == msg
    finally:
        for peer in (alice_phone, alice_laptop, bob_peer):
            await peer.close()


async def test_retry_with_same_client_msg_id_returns_first_message_and_broadcasts_once(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    bob = await member(http, org)
    ref = org.ref()
    alice, bob_peer = await joined(server, org.owner, ref), await joined(server, bob, ref)
    try:
        payload = {"channel": ref, "content": "once", "client_msg_id": "retry-1"}
        first = await alice.call("message:send", payload)
        again = await alice.call("message:send", payload)
        assert first["ok"] and again == first
        await bob_peer.wait_for("message:new")
        await settle()
        assert len(bob_peer.events["message:new"]) == 1
        nxt = await send(alice, ref, "next")
        assert nxt["seq"] == 2
    finally:
        await alice.close()
        await bob_peer.close()


async def test_bad_messages_are_refused_and_store_nothing(server: TestServer, http: Client) -> None:
    org = await make_org(http)
    ref = org.ref()
    alice = await joined(server, org.owner, ref)
    try:
        cases = [
            {"channel": ref, "content": "   ", "client_msg_id": "a"},
            {"channel": ref, "content": "x" * 4001, "client_msg_id": "b"},
            {"channel": ref, "client_msg_id": "c"},
            {"channel": ref, "content": "hi"},
            {"channel": {"type": "nope", "id": ref["id"]}, "content": "hi", "client_msg_id": "d"},
            {"channel": ref, "content": "hi", "client_msg_id": "e", "parent_id": str(uuid.uuid4())},
        ]
        for case in cases:
            ack = await alice.call("message:send", case)
            assert ack["ok"] is False and ack["error"]["code"] == "validation_error", case
        ghost = {"type": "organization", "id": str(uuid.uuid4())}
        ack = await alice.call(
            "message:send", {"channel": ghost, "content": "x", "client_msg_id": "f"}
        )
        assert ack["error"]["code"] == "not_found"
        history = await alice.call("message:history", {"channel": ref})
        assert history == {"ok": True, "data": {"messages": [], "has_more": False}}
        assert (await send(alice, ref, "x" * 4000))["seq"] == 1
    finally:
        await alice.close()


async def test_replies_edits_and_tombstones(server: TestServer, http: Client) -> None:
    org = await make_org(http)
    bob = await member(http, org)
    ref = org.ref()
    alice, bob_peer = await joined(server, org.owner, ref), await joined(server, bob, ref)
    try:
        root = await send(bob_peer, ref, "question")
        reply = await send(alice, ref, "answer", parent_id=root["id"])
        assert reply["parent_id"] == root["id"]

        ack = await alice.call("message:edit", {"message_id": root["id"], "content": "hijack"})
        assert ack["error"]["code"] == "forbidden"
        ack = await bob_peer.call(
            "message:edit", {"message_id": root["id"], "content": "question?"}
        )
        assert ack["ok"] and ack["data"]["content"] == "question?" and ack["data"]["edited_at"]
        # The reply's new count on the root came first, then the edit.
        counted, updated = await alice.wait_for("message:updated", count=2)
        assert counted["id"] == root["id"] and counted["reply_count"] == 1
        assert updated["content"] == "question?" and updated["reply_count"] == 1

        ack = await bob_peer.call("message:delete", {"message_id": reply["id"]})
        assert ack["error"]["code"] == "forbidden"
        # The owner moderates: deleting someone else's message is allowed.
        ack = await alice.call("message:delete", {"message_id": root["id"]})
        assert ack == {"ok": True, "data": {"message_id": root["id"]}}
        (gone,) = await bob_peer.wait_for("message:deleted")
        assert gone == {"message_id": root["id"], "channel": ref}

        history = (await bob_peer.call("message:history", {"channel": ref}))["data"]
        assert [m["seq"] for m in history["messages"]] == [1, 2]
        tomb = history["messages"][0]
        assert tomb["deleted"] is True and tomb["content"] == ""
        ack = await bob_peer.call("message:edit", {"message_id": root["id"], "content": "back"})
        assert ack["error"]["code"] == "conflict"
    finally:
        await alice.close()
        await bob_peer.close()


async def test_history_pages_are_ascending_with_exact_has_more(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    ref = org.ref()
    alice = await joined(server, org.owner, ref)
    try:
        for i in range(7):
            await send(alice, ref, f"m{i + 1}")
        call = alice.call
        latest = (await call("message:history", {"channel": ref, "limit": 3}))["data"]
        assert [m["seq"] for m in latest["messages"]] == [5, 6, 7] and latest["has_more"]
        older = (await call("message:history", {"channel": ref, "limit": 3, "before_seq": 5}))[
            "data"
        ]
        assert [m["seq"] for m in older["messages"]] == [2, 3, 4] and older["has_more"]
        oldest = (await call("message:history", {"channel": ref, "limit": 3, "before_seq": 2}))[
            "data"
        ]
        assert [m["seq"] for m in oldest["messages"]] == [1] and not oldest["has_more"]
        forward = (await call("message:history", {"channel": ref, "limit": 3, "after_seq": 4}))[
            "data"
        ]
        assert [m["seq"] for m in forward["messages"]] == [5, 6, 7] and not forward["has_more"]
        ack = await call("message:history", {"channel": ref, "limit": 101})
        assert ack["error"]["code"] == "validation_error"
        resp = await http.get(
            f"/api/v1/orgs/{org.id}/channels/organization/{ref['id']}/messages?before_seq=3&limit=5",
            headers=org.owner.headers,
        )
        body = await resp.json()
        assert [m["seq"] for m in body["messages"]] == [1, 2] and body["has_more"] is False
    finally:
        await alice.close()


async def test_sync_returns_missed_messages_and_changes_to_seen_ones(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    bob = await member(http, org)
    ref = org.ref()
    alice = await joined(server, org.owner, ref)
    try:
        seen = [await send(alice, ref, f"m{i}") for i in range(3)]
        # Bob was online up to seq 3; then he went away and things happened.
        await alice.call("message:edit", {"message_id": seen[1]["id"], "content": "m1 (edited)"})
        await alice.call("message:delete", {"message_id": seen[2]["id"]})
        missed = [await send(alice, ref, f"later{i}") for i in range(3)]
        bob_peer = await connected(server, bob.access_token)
        ack = await bob_peer.call(
            "sync", {"cursors": [{"channel": ref, "after_seq": 3}], "limit": 2}
        )
        (synced,) = ack["data"]["channels"]
        assert synced["channel"] == ref
        assert [m["seq"] for m in synced["messages"]] == [4, 5] and synced["has_more"] is True
        changed = {m["seq"]: m for m in synced["changed"]}
        assert changed[2]["content"] == "m1 (edited)" and changed[3]["deleted"] is True
        ack = await bob_peer.call("sync", {"cursors": [{"channel": ref, "after_seq": 5}]})
        assert [m["id"] for m in ack["data"]["channels"][0]["messages"]] == [missed[2]["id"]]
        await bob_peer.close()
    finally:
        await alice.close()


async def test_reactions_are_idempotent_and_aggregated(server: TestServer, http: Client) -> None:
    org = await make_org(http)
    bob = await member(http, org)
    ref = org.ref()
    alice, bob_peer = await joined(server, org.owner, ref), await joined(server, bob, ref)
    try:
        msg = await send(alice, ref, "vote")
        change = {"message_id": msg["id"], "emoji": "👍"}
        first = await alice.call("reaction:add", change)
        assert (await alice.call("reaction:add", change)) == first
        both = await bob_peer.call("reaction:add", change)
        assert both["data"]["reactions"] == [
            {"emoji": "👍", "count": 2, "user_ids": [str(org.owner.id), str(bob.id)]}
        ]
        updates = await bob_peer.wait_for("reaction:updated", count=2)
        assert updates[-1] == both["data"]
        removed = await alice.call("reaction:remove", change)
        assert removed["data"]["reactions"] == [
            {"emoji": "👍", "count": 1, "user_ids": [str(bob.id)]}
        ]
        again = await alice.call("reaction:remove", change)
        assert again == removed
        assert (await alice.call("reaction:add", {"message_id": msg["id"], "emoji": "x" * 33}))[
            "error"
        ]["code"] == "validation_error"
        history = (await alice.call("message:history", {"channel": ref}))["data"]["messages"]
        assert history[0]["reactions"] == removed["data"]["reactions"]
    finally:
        await alice.close()
        await bob_peer.close()


async def test_read_pointer_moves_forward_only_and_reaches_other_devices(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    bob = await member(http, org)
    ref = org.ref()
    alice = await joined(server, org.owner, ref)
    bob_phone, bob_laptop = await joined(server, bob, ref), await joined(server, bob, ref)
    try:
        for i in range(4):
            await send(alice, ref, f"m{i}")
        join = await bob_phone.call("channel:join", {"channel": ref})
        assert (
            join["data"]["last_seq"],
            join["data"]["read_seq"],
            join["data"]["unread_count"],
        ) == (4, 0, 4)
        ack = await bob_phone.call("channel:read", {"channel": ref, "seq": 3})
        assert ack["data"] == {"read_seq": 3, "unread_count": 1}
        (other,) = await bob_laptop.wait_for("channel:read")
        assert other == {"channel": ref, "read_seq": 3, "unread_count": 1}
        back = await bob_phone.call("channel:read", {"channel": ref, "seq": 1})
        assert back["data"] == {"read_seq": 3, "unread_count": 1}
        beyond = await bob_phone.call("channel:read", {"channel": ref, "seq": 99})
        assert beyond["data"] == {"read_seq": 4, "unread_count": 0}
        listing = await http.get(f"/api/v1/orgs/{org.id}/channels", headers=bob.headers)
        (general,) = [c for c in (await listing.json())["items"] if c["channel"]["id"] == ref["id"]]
        assert (general["last_seq"], general["read_seq"], general["unread_count"]) == (4, 4, 0)
        # The sender's own messages never count as unread.
        assert (await alice.call("channel:join", {"channel": ref}))["data"]["unread_count"] == 0
    finally:
        for peer in (alice, bob_phone, bob_laptop):
            await peer.close()


async def test_sending_moves_the_senders_read_pointer_and_tells_their_other_devices(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    bob = await member(http, org)
    ref = org.ref()
    alice = await joined(server, org.owner, ref)
    bob_phone, bob_laptop = await joined(server, bob, ref), await joined(server, bob, ref)
    try:
        await send(alice, ref, "m1")
        await send(alice, ref, "m2")
        reply = {"channel": ref, "content": "reply", "client_msg_id": "bob-1"}
        first = await bob_phone.call("message:send", reply)
        assert first["data"]["seq"] == 3
        (moved,) = await bob_laptop.wait_for("channel:read")
        assert moved == {"channel": ref, "read_seq": 3, "unread_count": 0}
        # Nothing was unread before this one, and a retry changes nothing: no news.
        await send(bob_phone, ref, "again")
        assert (await bob_phone.call("message:send", reply)) == first
        await settle()
        assert len(bob_laptop.events["channel:read"]) == 1
        state = (await bob_laptop.call("channel:join", {"channel": ref}))["data"]
        assert (state["last_seq"], state["read_seq"], state["unread_count"]) == (4, 4, 0)
    finally:
        for peer in (alice, bob_phone, bob_laptop):
            await peer.close()


async def test_nul_characters_are_refused_not_a_server_error(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    ref = org.ref()
    alice = await joined(server, org.owner, ref)
    try:
        ack = await alice.call(
            "message:send", {"channel": ref, "content": "a\x00b", "client_msg_id": "nul"}
        )
        assert ack["ok"] is False and ack["error"]["code"] == "validation_error"
        resp = await http.post("/api/v1/orgs", json={"name": "Acme\x00"}, headers=org.owner.headers)
        assert resp.status == 422
        resp = await http.get("/api/v1/notifications?cursor=%00", headers=org.owner.headers)
        assert resp.status == 422
    finally:
        await alice.close()
