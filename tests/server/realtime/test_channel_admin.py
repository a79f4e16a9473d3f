"""Managing channels: rename, describe, archive and delete organization channels; group
details and renames; leaving; each user's mute. Over HTTP, heard on real sockets."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestServer

from tests.factories import Client, User, expect
from tests.server.realtime.chatkit import Org, joined, make_org, member, send, settle
from tests.sio import connected


async def _new_channel(http: Client, org: Org, name: str = "avant-vente") -> dict[str, Any]:
    resp = await http.post(
        f"/api/v1/orgs/{org.id}/channels",
        json={"name": name, "description": "les appels d'offres"},
        headers=org.owner.headers,
    )
    return dict(await expect(resp, 201))


async def _patch(http: Client, org: Org, user: User, channel_id: str, body: Any) -> Any:
    return await http.patch(
        f"/api/v1/orgs/{org.id}/channels/{channel_id}", json=body, headers=user.headers
    )


async def _listed(http: Client, org: Org, user: User) -> dict[str, dict[str, Any]]:
    page = await expect(
        await http.get(f"/api/v1/orgs/{org.id}/channels", headers=user.headers), 200
    )
    return {state["channel"]["id"]: state for state in page["items"]}


async def test_a_manager_renames_and_describes_a_channel_and_its_readers_hear_it(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    manager, consultant = await member(http, org, "MANAGER"), await member(http, org, "CONSULTANT")
    contact = await member(http, org, "CLIENT")
    channel = await _new_channel(http, org)
    assert channel["description"] == "les appels d'offres" and channel["archived"] is False
    reader = await connected(server, consultant.access_token)
    outsider = await connected(server, contact.access_token)
    try:
        resp = await _patch(
            http, org, manager, channel["id"], {"name": "ventes", "description": None}
        )
        info = await expect(resp, 200)
        assert info["name"] == "ventes" and info["description"] is None
        (heard,) = await reader.wait_for("channel:updated")
        assert heard == info
        listed = await _listed(http, org, consultant)
        assert listed[channel["id"]]["channel"] == info
        await settle()
        assert outsider.events["channel:updated"] == []
        # A consultant may not; a taken name conflicts; a name is never cleared.
        assert (await _patch(http, org, consultant, channel["id"], {"name": "x"})).status == 403
        resp = await _patch(http, org, manager, channel["id"], {"name": "general"})
        assert resp.status == 409
        assert (await _patch(http, org, manager, channel["id"], {"name": None})).status == 422
        unknown = "00000000-0000-4000-8000-000000000000"
        assert (await _patch(http, org, manager, unknown, {"name": "y"})).status == 404
        assert (await _listed(http, org, consultant))[channel["id"]]["channel"]["name"] == "ventes"
    finally:
        await reader.close()
        await outsider.close()


async def test_an_archived_channel_is_read_but_refuses_new_messages(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    channel = await _new_channel(http, org)
    ref = {"type": "organization", "id": channel["id"]}
    peer = await joined(server, org.owner, ref)
    try:
        await send(peer, ref, "avant l'archivage")
        info = await expect(
            await _patch(http, org, org.owner, channel["id"], {"archived": True}), 200
        )
        assert info["archived"] is True
        (heard,) = await peer.wait_for("channel:updated")
        assert heard["archived"] is True
        ack = await peer.call(
            "message:send", {"channel": ref, "content": "après", "client_msg_id": "late"}
        )
        assert ack["error"]["code"] == "forbidden"
        history = await peer.call("message:history", {"channel": ref})
        assert [m["content"] for m in history["data"]["messages"]] == ["avant l'archivage"]
        await expect(await _patch(http, org, org.owner, channel["id"], {"archived": False}), 200)
        await send(peer, ref, "de retour")
    finally:
        await peer.close()


async def test_an_admin_deletes_a_channel_with_its_messages_and_its_readers_lose_it(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    manager, bob = await member(http, org, "MANAGER"), await member(http, org)
    channel = await _new_channel(http, org)
    ref = {"type": "organization", "id": channel["id"]}
    alice_peer, bob_peer = await joined(server, org.owner, ref), await joined(server, bob, ref)
    try:
        await send(alice_peer, ref, "bientôt supprimé")
        url = f"/api/v1/orgs/{org.id}/channels/{channel['id']}"
        assert (await http.delete(url, headers=manager.headers)).status == 403
        assert (await http.delete(url, headers=org.owner.headers)).status == 204
        (removed,) = await bob_peer.wait_for("channel:removed")
        assert removed == {"channel": {**ref, "organization_id": org.id}}
        assert channel["id"] not in await _listed(http, org, bob)
        for event, data in [
            ("message:history", {"channel": ref}),
            ("message:send", {"channel": ref, "content": "x", "client_msg_id": "gone"}),
            ("channel:join", {"channel": ref}),
        ]:
            ack = await bob_peer.call(event, data)
            assert ack["error"]["code"] == "not_found", event
        # Bob's socket had joined the channel: it still heard `channel:removed` once.
        assert len(bob_peer.events["channel:removed"]) == 1
        assert (await http.delete(url, headers=org.owner.headers)).status == 404
        # The name is free again and the new channel starts empty, at seq 1.
        again = await _new_channel(http, org)
        again_ref = {"type": "organization", "id": again["id"]}
        again_peer = await joined(server, bob, again_ref)
        try:
            assert again_peer.client.connected
            first = await send(alice_peer, again_ref, "tout neuf")
            assert first["seq"] == 1
        finally:
            await again_peer.close()
    finally:
        await alice_peer.close()
        await bob_peer.close()


async def _group(http: Client, org: Org, *members: User) -> dict[str, Any]:
    resp = await http.post(
        f"/api/v1/orgs/{org.id}/groups",
        json={"name": "Avant-vente", "member_ids": [str(m.id) for m in members]},
        headers=org.owner.headers,
    )
    return dict(await expect(resp, 201))


async def test_group_members_read_the_group_rename_it_and_leave_it(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    bob, carol = await member(http, org), await member(http, org)
    group = await _group(http, org, bob)
    url = f"/api/v1/orgs/{org.id}/groups/{group['id']}"
    detail = await expect(await http.get(url, headers=bob.headers), 200)
    assert detail["channel"] == group and detail["created_by"] == str(org.owner.id)
    assert {m["user_id"] for m in detail["members"]} == {str(org.owner.id), str(bob.id)}
    assert all(m["prenom"] and m["nom"] for m in detail["members"])
    assert (await http.get(url, headers=carol.headers)).status == 404
    bob_peer = await connected(server, bob.access_token)
    try:
        resp = await http.patch(
            url, json={"name": "Réponse AO", "description": "RFP banque"}, headers=bob.headers
        )
        info = await expect(resp, 200)
        assert info["name"] == "Réponse AO" and info["description"] == "RFP banque"
        (heard,) = await bob_peer.wait_for("channel:updated")
        assert heard == info
        resp = await http.patch(url, json={"name": "x"}, headers=carol.headers)
        assert resp.status == 404
        assert (await http.patch(url, json={"name": None}, headers=bob.headers)).status == 422

        resp = await http.delete(f"{url}/members/{bob.id}", headers=bob.headers)
        assert resp.status == 204
        (removed,) = await bob_peer.wait_for("channel:removed")
        assert removed == {
            "channel": {"type": "group", "id": group["id"], "organization_id": org.id}
        }
        assert (await http.get(url, headers=bob.headers)).status == 404
        detail = await expect(await http.get(url, headers=org.owner.headers), 200)
        assert [m["user_id"] for m in detail["members"]] == [str(org.owner.id)]
    finally:
        await bob_peer.close()


async def _notifications(http: Client, user: User) -> list[str]:
    page = await expect(
        await http.get("/api/v1/notifications?unread_only=true", headers=user.headers), 200
    )
    return [n["type"] for n in page["items"]]


async def test_a_muted_conversation_notifies_only_on_mentions(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    bob = await member(http, org)
    settings_url = f"/api/v1/orgs/{org.id}/channels/direct/{org.owner.id}/settings"
    resp = await http.put(settings_url, json={"muted": True}, headers=bob.headers)
    assert await expect(resp, 200) == {
        "channel": {"type": "direct", "id": str(org.owner.id)},
        "muted": True,
    }
    alice = await connected(server, org.owner.access_token)
    try:
        to_bob = {"type": "direct", "id": str(bob.id)}
        await send(alice, to_bob, "tu es là ?")
        assert await _notifications(http, bob) == []
        await send(alice, to_bob, f"@{bob.email} urgent")
        assert await _notifications(http, bob) == ["MENTION"]
        listed = await _listed(http, org, bob)
        assert listed[str(org.owner.id)]["muted"] is True
        assert listed[str(org.owner.id)]["read_seq"] == 0  # muting reads nothing
        resp = await http.put(settings_url, json={"muted": False}, headers=bob.headers)
        assert (await expect(resp, 200))["muted"] is False
        await send(alice, to_bob, "et maintenant ?")
        assert sorted(await _notifications(http, bob)) == ["DIRECT_MESSAGE", "MENTION"]
    finally:
        await alice.close()


async def test_settings_of_a_channel_the_caller_cannot_read_are_not_found(
    http: Client,
) -> None:
    org = await make_org(http)
    contact = await member(http, org, "CLIENT")
    general = f"/api/v1/orgs/{org.id}/channels/organization/{org.general['id']}/settings"
    resp = await http.put(general, json={"muted": True}, headers=contact.headers)
    assert resp.status == 404
    resp = await http.put(general, json={"muted": "yes"}, headers=org.owner.headers)
    assert resp.status == 422
    bad_type = f"/api/v1/orgs/{org.id}/channels/forum/{org.general['id']}/settings"
    resp = await http.put(bad_type, json={"muted": True}, headers=org.owner.headers)
    assert resp.status == 422
    resp = await http.put(general, json={"muted": True}, headers=org.owner.headers)
    assert (await expect(resp, 200))["muted"] is True
    listed = await _listed(http, org, org.owner)
    assert listed[org.general["id"]]["muted"] is True
