"""Who hears what: direct conversations, groups, typing, access, and leaving."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestServer

from tests.conftest import AppFactory
from tests.factories import Client, expect
from tests.server.realtime.chatkit import joined, make_org, member, send, settle
from tests.sio import connected


async def test_direct_messages_reach_the_peer_without_joining_and_read_receipts_return(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    bob = await member(http, org)
    alice_peer = await connected(server, org.owner.access_token)
    bob_peer = await connected(server, bob.access_token)
    try:
        to_bob = {"type": "direct", "id": str(bob.id)}
        msg = await send(alice_peer, to_bob, "salut Bob")
        assert msg["channel"] == to_bob and msg["recipient_id"] == str(bob.id)
        (received,) = await bob_peer.wait_for("message:new")
        # Each side names the conversation by the other person.
        assert received["channel"] == {"type": "direct", "id": str(org.owner.id)}
        assert received["id"] == msg["id"] and received["seq"] == 1
        to_alice = {"type": "direct", "id": str(org.owner.id)}
        reply = await send(bob_peer, to_alice, "salut Alice")
        assert reply["seq"] == 2
        ack = await bob_peer.call("channel:read", {"channel": to_alice, "seq": 2})
        assert ack["data"] == {"read_seq": 2, "unread_count": 0}
        (receipt,) = await alice_peer.wait_for("message:read")
        assert receipt == {
            "channel": {"type": "direct", "id": str(bob.id)},
            "reader_id": str(bob.id),
            "seq": 2,
        }
        to_self = {"type": "direct", "id": str(org.owner.id)}
        ack = await alice_peer.call(
            "message:send", {"channel": to_self, "content": "x", "client_msg_id": "s"}
        )
        assert ack["error"]["code"] == "validation_error"
    finally:
        await alice_peer.close()
        await bob_peer.close()


async def test_direct_message_to_someone_outside_the_organization_is_not_found(
    server: TestServer, http: Client
) -> None:
    org, other = await make_org(http), await make_org(http)
    peer = await connected(server, org.owner.access_token)
    try:
        stranger = {"type": "direct", "id": str(other.owner.id)}
        ack = await peer.call(
            "message:send", {"channel": stranger, "content": "x", "client_msg_id": "1"}
        )
        assert ack["error"]["code"] == "not_found"
        foreign = other.ref()
        for event, data in [
            ("channel:join", {"channel": foreign}),
            ("message:history", {"channel": foreign}),
            ("message:send", {"channel": foreign, "content": "x", "client_msg_id": "2"}),
        ]:
            ack = await peer.call(event, data)
            assert ack["error"]["code"] == "not_found", event
    finally:
        await peer.close()


async def test_group_members_hear_it_and_a_removed_member_hears_nothing_more(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    bob, carol = await member(http, org), await member(http, org)
    bob_peer = await connected(server, bob.access_token)
    carol_peer = await connected(server, carol.access_token)
    try:
        group = await expect(
            await http.post(
                f"/api/v1/orgs/{org.id}/groups",
                json={"name": "Avant-vente", "member_ids": [str(bob.id)]},
                headers=org.owner.headers,
            ),
            201,
        )
        (added,) = await bob_peer.wait_for("channel:added")
        assert added == group
        ref = {"type": "group", "id": group["id"]}
        ack = await carol_peer.call("channel:join", {"channel": ref})
        assert ack["error"]["code"] == "not_found"
        assert (await bob_peer.call("channel:join", {"channel": ref}))["ok"]
        alice_peer = await joined(server, org.owner, ref)
        await send(alice_peer, ref, "one")
        await bob_peer.wait_for("message:new")

        resp = await http.delete(
            f"/api/v1/orgs/{org.id}/groups/{group['id']}/members/{bob.id}",
            headers=org.owner.headers,
        )
        assert resp.status == 204
        await bob_peer.wait_for("channel:removed")
        await send(alice_peer, ref, "two")
        await settle()
        assert [m["content"] for m in bob_peer.events["message:new"]] == ["one"]
        ack = await bob_peer.call("message:history", {"channel": ref})
        assert ack["error"]["code"] == "not_found"
        await alice_peer.close()
    finally:
        await bob_peer.close()
        await carol_peer.close()


async def test_removed_org_member_leaves_every_channel_room_at_once(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    bob = await member(http, org)
    ref = org.ref()
    alice_peer, bob_peer = await joined(server, org.owner, ref), await joined(server, bob, ref)
    try:
        await send(alice_peer, ref, "before")
        await bob_peer.wait_for("message:new")
        resp = await http.delete(
            f"/api/v1/orgs/{org.id}/members/{bob.id}", headers=org.owner.headers
        )
        assert resp.status == 204
        await settle()
        await send(alice_peer, ref, "after")
        await settle()
        assert [m["content"] for m in bob_peer.events["message:new"]] == ["before"]
    finally:
        await alice_peer.close()
        await bob_peer.close()


async def test_client_members_cannot_read_organization_channels(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    client_user = await member(http, org, role="CLIENT")
    peer = await connected(server, client_user.access_token)
    try:
        ack = await peer.call("channel:join", {"channel": org.ref()})
        assert ack["error"]["code"] == "not_found"
        listing = await expect(
            await http.get(f"/api/v1/orgs/{org.id}/channels", headers=client_user.headers), 200
        )
        assert listing["items"] == []
    finally:
        await peer.close()


async def test_typing_reaches_others_is_throttled_and_expires_by_itself(
    make_app: AppFactory,
    aiohttp_server,
    aiohttp_client,  # type: ignore[no-untyped-def]
) -> None:
    server = await aiohttp_server(make_app(typing_timeout_seconds=0.5))
    http = await aiohttp_client(server)
    org = await make_org(http)
    bob = await member(http, org)
    ref = org.ref()
    alice, bob_peer = await joined(server, org.owner, ref), await joined(server, bob, ref)
    try:
        for _ in range(3):
            assert (await alice.call("typing", {"channel": ref, "typing": True}))["ok"]
        (start,) = await bob_peer.wait_for("typing")
        assert start == {"channel": ref, "user_id": str(org.owner.id), "typing": True}
        stop = (await bob_peer.wait_for("typing", count=2, timeout=3))[1]
        assert stop["typing"] is False
        await asyncio.sleep(0.2)
        assert len(bob_peer.events["typing"]) == 2
        assert alice.events["typing"] == []
    finally:
        await alice.close()
        await bob_peer.close()


async def test_socket_over_its_event_rate_gets_rate_limited_acks_and_stays(
    make_app: AppFactory,
    aiohttp_server,
    aiohttp_client,  # type: ignore[no-untyped-def]
) -> None:
    server = await aiohttp_server(make_app(socket_events_per_second=0.5, socket_event_burst=3))
    http = await aiohttp_client(server)
    org = await make_org(http)
    peer = await connected(server, org.owner.access_token)
    try:
        acks = [await peer.call("message:history", {"channel": org.ref()}) for _ in range(5)]
        assert [a["ok"] for a in acks] == [True, True, True, False, False]
        assert acks[3]["error"]["code"] == "rate_limited"
        assert peer.client.connected
    finally:
        await peer.close()


async def test_new_org_channel_is_announced_and_duplicate_names_conflict(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    bob = await member(http, org)
    bob_peer = await connected(server, bob.access_token)
    try:
        created = await expect(
            await http.post(
                f"/api/v1/orgs/{org.id}/channels",
                json={"name": "annonces"},
                headers=org.owner.headers,
            ),
            201,
        )
        (added,) = await bob_peer.wait_for("channel:added")
        assert added == created and created["type"] == "organization"
        dup = await http.post(
            f"/api/v1/orgs/{org.id}/channels", json={"name": "annonces"}, headers=org.owner.headers
        )
        assert (await expect(dup, 409))["code"] == "conflict"
        denied = await http.post(
            f"/api/v1/orgs/{org.id}/channels", json={"name": "mine"}, headers=bob.headers
        )
        await expect(denied, 403)
    finally:
        await bob_peer.close()
