"""Notifications about people's own affairs, seen on real sockets: their time entries
validated or rejected, and invitations to an organization."""

from __future__ import annotations

from aiohttp.test_utils import TestServer

from tests.factories import Client, add_member, create_org, expect, register
from tests.server.realtime.chatkit import settle
from tests.server.realtime.workkit import make_team, notes, wait_notes
from tests.sio import connected

PAST_DAY = "2026-01-05"


async def test_time_decisions_reach_the_consultants_sockets_but_not_former_members(
    server: TestServer, http: Client
) -> None:
    team = await make_team(http)
    leaver = await add_member(http, team.owner, team.org["id"], "CONSULTANT")
    body = {"projet_id": team.project["id"], "date": PAST_DAY, "heures_travaillees": 3}
    mine = await team.call("POST", "/time-entries", team.dev, 201, body)
    theirs = await team.call("POST", "/time-entries", leaver, 201, body)
    await team.call("DELETE", f"/members/{leaver.id}", team.owner, 204)
    phone = await connected(server, team.dev.access_token)
    try:
        ids = [mine["id"], theirs["id"]]
        decision = {"ids": ids, "decision": "REJETE", "motif": "Mauvais projet"}
        await team.call("POST", "/time-entries/validate", team.manager, body=decision)
        (rejected,) = await wait_notes(phone, "TIME_REJECTED", 1)
        assert rejected["unread_count"] == 1
        assert rejected["notification"]["message"] == "Mauvais projet"
        assert rejected["notification"]["metadata"]["entry_ids"] == [mine["id"]]
        await team.call("PATCH", f"/time-entries/{mine['id']}", team.dev, body={})
        decision = {"ids": [mine["id"]], "decision": "VALIDE"}
        await team.call("POST", "/time-entries/validate", team.manager, body=decision)
        (validated,) = await wait_notes(phone, "TIME_VALIDATED", 1)
        assert validated["unread_count"] == 2
        # Someone who left the organization is not told about entries they cannot read.
        assert await team.stored(leaver, "TIME_REJECTED") == []
    finally:
        await phone.close()


async def test_an_invitation_notifies_an_existing_user_and_accepting_settles_it(
    server: TestServer, http: Client
) -> None:
    owner = await register(http)
    org = await create_org(http, owner, "Atelier Nord")
    invitee = await register(http, prenom="Inès", nom="Durand")
    phone = await connected(server, invitee.access_token)
    laptop = await connected(server, invitee.access_token)
    invitations = f"/api/v1/orgs/{org['id']}/invitations"
    try:
        resp = await http.post(
            invitations,
            json={"email": invitee.email.upper(), "role": "MANAGER"},
            headers=owner.headers,
        )
        created = await expect(resp, 201)
        for peer in (phone, laptop):
            (new,) = await wait_notes(peer, "INVITATION", 1)
            assert new["unread_count"] == 1
            note = new["notification"]
            assert note["organization_id"] == org["id"] and "Atelier Nord" in note["title"]
            assert note["metadata"]["invitation_id"] == created["id"]
            assert note["metadata"]["role"] == "MANAGER"
            assert created["token"] not in str(note)
        # An address without an account: the same answer, nobody to notify.
        resp = await http.post(
            invitations, json={"email": "personne@example.com"}, headers=owner.headers
        )
        assert set(await expect(resp, 201)) == set(created)
        # Accepting settles the notification on every device, with the exact count.
        accept = {"token": created["token"]}
        await expect(
            await http.post("/api/v1/invitations/accept", json=accept, headers=invitee.headers), 201
        )
        for peer in (phone, laptop):
            (read,) = await peer.wait_for("notification:read")
            assert read == {"ids": [note["id"]], "all": False, "unread_count": 0}
        # A member is not invited again through a notification.
        await http.post(invitations, json={"email": invitee.email}, headers=owner.headers)
        await settle()
        assert len(notes(phone, "INVITATION")) == 1
        page = await expect(await http.get("/api/v1/notifications", headers=invitee.headers), 200)
        assert [n["type"] for n in page["items"]] == ["INVITATION"]
        assert page["items"][0]["read_at"] is not None and page["unread_count"] == 0
    finally:
        await phone.close()
        await laptop.close()
