"""Notifications: mentions, direct messages to absent people, one exact badge everywhere."""

from __future__ import annotations

import uuid

from aiohttp.test_utils import TestServer

from tests.factories import Client, expect
from tests.server.realtime.chatkit import joined, make_org, member, send, settle
from tests.sio import connected


async def test_mention_notifies_a_reader_with_the_exact_unread_count(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    bob = await member(http, org)
    client_contact = await member(http, org, role="CLIENT")
    ref = org.ref()
    alice = await joined(server, org.owner, ref)
    bob_peer = await connected(server, bob.access_token)
    contact_peer = await connected(server, client_contact.access_token)
    try:
        await send(
            alice, ref, f"@{bob.email} et @{client_contact.id} : point à 14h ? @{org.owner.email}"
        )
        (first,) = await bob_peer.wait_for("notification:new")
        assert first["unread_count"] == 1
        note = first["notification"]
        assert note["type"] == "MENTION" and note["organization_id"] == org.id
        assert "point à 14h" in note["message"] and note["read_at"] is None
        await send(alice, ref, f"rappel @{str(bob.id).upper()}")
        second = (await bob_peer.wait_for("notification:new", count=2))[1]
        assert second["unread_count"] == 2
        await settle()
        # The client's contact cannot read the channel; the sender is never notified.
        assert contact_peer.events["notification:new"] == []
        assert alice.events["notification:new"] == []
    finally:
        for peer in (alice, bob_peer, contact_peer):
            await peer.close()


async def test_direct_message_notifies_only_a_recipient_without_sockets(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    bob = await member(http, org)
    alice = await connected(server, org.owner.access_token)
    try:
        to_bob = {"type": "direct", "id": str(bob.id)}
        await send(alice, to_bob, "tu es là ?")
        # (Bob's invitation to the organization was settled when he accepted it.)
        url = "/api/v1/notifications?unread_only=true"
        page = await expect(await http.get(url, headers=bob.headers), 200)
        assert [n["type"] for n in page["items"]] == ["DIRECT_MESSAGE"]
        assert page["unread_count"] == 1
        bob_peer = await connected(server, bob.access_token)
        await send(alice, to_bob, "ah, te voilà")
        await bob_peer.wait_for("message:new")
        await settle()
        assert bob_peer.events["notification:new"] == []
        await bob_peer.close()
    finally:
        await alice.close()


async def test_badge_stays_exact_through_reconnects_and_read_all_on_another_device(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    bob = await member(http, org)
    ref = org.ref()
    alice = await joined(server, org.owner, ref)
    phone, laptop = (
        await connected(server, bob.access_token),
        await connected(server, bob.access_token),
    )
    try:
        for i in range(3):
            await send(alice, ref, f"@{bob.email} {i}")
        news = await laptop.wait_for("notification:new", count=3)
        assert [n["unread_count"] for n in news] == [1, 2, 3]
        await phone.close()
        phone = await connected(server, bob.access_token)
        listed = await phone.call("notification:list", {"unread_only": True})
        assert listed["data"]["unread_count"] == 3 and len(listed["data"]["items"]) == 3
        one = listed["data"]["items"][0]["id"]
        ack = await phone.call("notification:read", {"ids": [one]})
        assert ack["data"] == {"unread_count": 2}
        (told,) = await laptop.wait_for("notification:read")
        assert told == {"ids": [one], "all": False, "unread_count": 2}
        ack = await laptop.call("notification:read", {"all": True})
        assert ack["data"] == {"unread_count": 0}
        (cleared,) = await phone.wait_for("notification:read")
        assert cleared["unread_count"] == 0 and cleared["all"] is True
        await laptop.close()
        laptop = await connected(server, bob.access_token)
        after = await laptop.call("notification:list", {})
        mentions = [n for n in after["data"]["items"] if n["type"] == "MENTION"]
        assert after["data"]["unread_count"] == 0 and len(mentions) == 3
        assert (await laptop.call("notification:read", {}))["error"]["code"] == "validation_error"
    finally:
        for peer in (alice, phone, laptop):
            await peer.close()


async def test_reading_someone_elses_notification_changes_nothing(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    bob, carol = await member(http, org), await member(http, org)
    alice = await joined(server, org.owner, org.ref())
    try:
        await send(alice, org.ref(), f"@{bob.email}")
        unread = "/api/v1/notifications?unread_only=true"
        page = await expect(await http.get(unread, headers=bob.headers), 200)
        ids = [n["id"] for n in page["items"]]
        resp = await http.post(
            "/api/v1/notifications/read",
            json={"ids": [*ids, str(uuid.uuid4())]},
            headers=carol.headers,
        )
        assert (await expect(resp, 200)) == {"unread_count": 0}
        page = await expect(await http.get(unread, headers=bob.headers), 200)
        assert [n["id"] for n in page["items"]] == ids
        resp = await http.get(
            f"/api/v1/notifications?organization_id={uuid.uuid4()}", headers=bob.headers
        )
        assert (await expect(resp, 200))["items"] == []
        bad = await http.get("/api/v1/notifications?limit=0", headers=bob.headers)
        await expect(bad, 422)
    finally:
        await alice.close()


async def test_activity_feed_is_for_managers_and_filters(http: Client) -> None:
    org = await make_org(http)
    manager = await member(http, org, role="MANAGER")
    consultant = await member(http, org, role="CONSULTANT")
    feed = await expect(
        await http.get(f"/api/v1/orgs/{org.id}/activity?limit=2", headers=manager.headers), 200
    )
    assert len(feed["items"]) == 2 and feed["next_cursor"]
    rest = await expect(
        await http.get(
            f"/api/v1/orgs/{org.id}/activity?cursor={feed['next_cursor']}", headers=manager.headers
        ),
        200,
    )
    seen = [a["id"] for a in feed["items"] + rest["items"]]
    assert len(seen) == len(set(seen))
    stamps = [a["created_at"] for a in feed["items"] + rest["items"]]
    assert stamps == sorted(stamps, reverse=True)
    mine = await expect(
        await http.get(
            f"/api/v1/orgs/{org.id}/activity?user_id={org.owner.id}&resource_type=member",
            headers=org.owner.headers,
        ),
        200,
    )
    assert mine["items"] and all(a["resource_type"] == "member" for a in mine["items"])
    await expect(await http.get(f"/api/v1/orgs/{org.id}/activity", headers=consultant.headers), 403)


async def test_project_subscription_to_an_unknown_project_is_not_found(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    peer = await connected(server, org.owner.access_token)
    try:
        ack = await peer.call("project:subscribe", {"project_id": str(uuid.uuid4())})
        assert ack["error"]["code"] == "not_found"
        ack = await peer.call("project:subscribe", {"project_id": "nope"})
        assert ack["error"]["code"] == "validation_error"
    finally:
        await peer.close()
