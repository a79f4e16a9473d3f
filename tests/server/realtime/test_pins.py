"""Pins: managers pin in organization and project channels, anyone in groups and direct
conversations; the channel hears `message:updated` with `pinned`; the pins list."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestServer

from tests.factories import Client, User, expect
from tests.server.realtime.chatkit import Org, joined, make_org, member, send, settle
from tests.sio import connected


async def _pins(http: Client, org: Org, user: User, ref: dict[str, Any]) -> list[str]:
    url = f"/api/v1/orgs/{org.id}/channels/{ref['type']}/{ref['id']}/pins"
    page = await expect(await http.get(url, headers=user.headers), 200)
    return [m["content"] for m in page["items"]]


async def test_a_manager_pins_and_unpins_and_the_channel_hears_it(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    manager, bob = await member(http, org, "MANAGER"), await member(http, org)
    ref = org.ref()
    boss, bob_peer = await joined(server, manager, ref), await joined(server, bob, ref)
    try:
        first = await send(bob_peer, ref, "ordre du jour")
        second = await send(bob_peer, ref, "compte rendu")
        ack = await bob_peer.call("message:pin", {"message_id": first["id"]})
        assert ack["error"]["code"] == "forbidden"
        for message in (first, second):
            ack = await boss.call("message:pin", {"message_id": message["id"]})
            assert ack["data"]["pinned"] is True and ack["data"]["pinned_by"] == str(manager.id)
        heard = await bob_peer.wait_for("message:updated", count=2)
        assert [(m["id"], m["pinned"]) for m in heard] == [
            (first["id"], True),
            (second["id"], True),
        ]
        # Pinning again changes nothing and says nothing.
        ack = await boss.call("message:pin", {"message_id": first["id"]})
        assert ack["data"]["pinned"] is True
        assert await _pins(http, org, bob, ref) == ["compte rendu", "ordre du jour"]
        ack = await boss.call("message:unpin", {"message_id": second["id"]})
        assert ack["data"]["pinned"] is False and ack["data"]["pinned_at"] is None
        (*_, unpinned) = await bob_peer.wait_for("message:updated", count=3)
        assert unpinned["id"] == second["id"] and unpinned["pinned"] is False
        await settle()
        assert len(bob_peer.events["message:updated"]) == 3
        assert await _pins(http, org, bob, ref) == ["ordre du jour"]
        history = await bob_peer.call("message:history", {"channel": ref})
        pinned = {m["content"]: m["pinned"] for m in history["data"]["messages"]}
        assert pinned == {"ordre du jour": True, "compte rendu": False}
    finally:
        await boss.close()
        await bob_peer.close()


async def test_anyone_pins_in_a_direct_conversation_and_outsiders_see_no_pins(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    bob, contact = await member(http, org), await member(http, org, "CLIENT")
    alice = await connected(server, org.owner.access_token)
    bob_peer = await connected(server, bob.access_token)
    try:
        to_alice = {"type": "direct", "id": str(org.owner.id)}
        message = await send(bob_peer, to_alice, "le devis signé")
        ack = await bob_peer.call("message:pin", {"message_id": message["id"]})
        assert ack["data"]["pinned"] is True
        (heard,) = await alice.wait_for("message:updated")
        assert heard["pinned"] is True and heard["channel"] == {"type": "direct", "id": str(bob.id)}
        to_bob = {"type": "direct", "id": str(bob.id)}
        assert await _pins(http, org, org.owner, to_bob) == ["le devis signé"]
        general = f"/api/v1/orgs/{org.id}/channels/organization/{org.general['id']}/pins"
        assert (await http.get(general, headers=contact.headers)).status == 404
        other = await make_org(http)
        ack = await connected(server, other.owner.access_token)
        try:
            refused = await ack.call("message:pin", {"message_id": message["id"]})
            assert refused["error"]["code"] == "not_found"
        finally:
            await ack.close()
        await send(bob_peer, to_alice, "supprimé bientôt")
        deleted = await send(bob_peer, to_alice, "à effacer")
        await bob_peer.call("message:delete", {"message_id": deleted["id"]})
        refused = await bob_peer.call("message:pin", {"message_id": deleted["id"]})
        assert refused["error"]["code"] == "conflict"
    finally:
        await alice.close()
        await bob_peer.close()
