"""Clients and projects through HTTP: CRUD, validation, tenancy, what a CLIENT member
sees, the project channel, optimistic concurrency and the activity log."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

from protocol.chat import ChannelRef, MessageSend, ReadMark
from protocol.enums import ChannelType
from server.actor import Actor
from server.keys import SERVICES
from server.services.chat import messages
from store import channels as channel_store
from store import messages as message_store
from store.db import create_engine, create_session_factory
from tests.factories import Client, User, add_member, create_org, expect, read_activity, register
from tests.server.rest.projectkit import (
    locs,
    make_client,
    make_project,
    make_task,
    org_url,
)


async def _owner_org(client: Client) -> tuple[User, Any]:
    owner = await register(client)
    return owner, await create_org(client, owner)


# Clients ------------------------------------------------------------------------------


async def test_clients_are_created_listed_read_updated_and_deleted(
    client: Client, database_url: str
) -> None:
    owner, org = await _owner_org(client)
    manager = await add_member(client, owner, org["id"], "MANAGER")
    contact = await add_member(client, owner, org["id"], "CLIENT")
    created = await make_client(
        client, manager, org, nom="Banque du Nord", secteur="Banque", contact=contact
    )
    assert created["contact_user_id"] == str(contact.id) and created["secteur"] == "Banque"
    url = f"{org_url(org)}/clients/{created['id']}"
    patched = await expect(
        await client.patch(
            url, json={"nom": "Banque du Sud", "contact_user_id": None}, headers=manager.headers
        ),
        200,
    )
    assert (patched["nom"], patched["contact_user_id"]) == ("Banque du Sud", None)
    listed = await expect(await client.get(f"{org_url(org)}/clients", headers=owner.headers), 200)
    assert [c["id"] for c in listed["items"]] == [created["id"]]
    assert (await expect(await client.get(url, headers=owner.headers), 200))["nom"] == (
        "Banque du Sud"
    )
    await expect(await client.delete(url, headers=manager.headers), 204)
    await expect(await client.get(url, headers=owner.headers), 404)
    entries = await read_activity(database_url, org["id"], resource_type="client")
    assert [e.action for e in entries] == ["CLIENT_DELETED", "CLIENT_UPDATED", "CLIENT_CREATED"]
    assert entries[1].metadata_["changes"] == {
        "nom": {"from": "Banque du Nord", "to": "Banque du Sud"},
        "contact_user_id": {"from": str(contact.id), "to": None},
    }


async def test_a_client_contact_must_be_a_member_of_the_organization(client: Client) -> None:
    owner, org = await _owner_org(client)
    stranger = await register(client)
    resp = await client.post(
        f"{org_url(org)}/clients",
        json={"nom": "Acme", "contact_user_id": str(stranger.id)},
        headers=owner.headers,
    )
    assert locs(await expect(resp, 422)) == {"body.contact_user_id"}
    created = await make_client(client, owner, org)
    resp = await client.patch(
        f"{org_url(org)}/clients/{created['id']}",
        json={"contact_user_id": str(uuid.uuid4()), "nom": ""},
        headers=owner.headers,
    )
    assert locs(await expect(resp, 422)) == {"body.nom"}
    resp = await client.patch(
        f"{org_url(org)}/clients/{created['id']}",
        json={"contact_user_id": str(uuid.uuid4())},
        headers=owner.headers,
    )
    assert locs(await expect(resp, 422)) == {"body.contact_user_id"}


async def test_a_client_with_projects_cannot_be_deleted(client: Client) -> None:
    owner, org = await _owner_org(client)
    customer = await make_client(client, owner, org)
    project = await make_project(client, owner, org, customer=customer)
    url = f"{org_url(org)}/clients/{customer['id']}"
    problem = await expect(await client.delete(url, headers=owner.headers), 409)
    assert problem["code"] == "conflict"
    await expect(
        await client.delete(f"{org_url(org)}/projects/{project['id']}", headers=owner.headers), 204
    )
    await expect(await client.delete(url, headers=owner.headers), 204)


# What a CLIENT member sees ------------------------------------------------------------


async def test_a_client_member_sees_only_their_clients_projects(client: Client) -> None:
    owner, org = await _owner_org(client)
    contact = await add_member(client, owner, org["id"], "CLIENT")
    mine = await make_client(client, owner, org, contact=contact)
    theirs = await make_client(client, owner, org)
    visible = await make_project(client, owner, org, customer=mine)
    hidden = await make_project(client, owner, org, customer=theirs)
    await make_task(client, owner, org, visible)
    await make_task(client, owner, org, hidden)
    base, headers = org_url(org), contact.headers

    clients = await expect(await client.get(f"{base}/clients", headers=headers), 200)
    assert [c["id"] for c in clients["items"]] == [mine["id"]]
    projects = await expect(await client.get(f"{base}/projects", headers=headers), 200)
    assert [p["id"] for p in projects["items"]] == [visible["id"]]
    await expect(await client.get(f"{base}/clients/{mine['id']}", headers=headers), 200)
    await expect(await client.get(f"{base}/projects/{visible['id']}", headers=headers), 200)
    await expect(await client.get(f"{base}/projects/{visible['id']}/board", headers=headers), 200)
    await expect(await client.get(f"{base}/projects/{visible['id']}/tasks", headers=headers), 200)
    for path in (
        f"clients/{theirs['id']}",
        f"projects/{hidden['id']}",
        f"projects/{hidden['id']}/board",
        f"projects/{hidden['id']}/tasks",
    ):
        problem = await expect(await client.get(f"{base}/{path}", headers=headers), 404)
        assert problem["code"] == "not_found"
    # Everyone else reads every project.
    consultant = await add_member(client, owner, org["id"], "CONSULTANT")
    everything = await expect(await client.get(f"{base}/projects", headers=consultant.headers), 200)
    assert {p["id"] for p in everything["items"]} == {visible["id"], hidden["id"]}


# Projects -----------------------------------------------------------------------------


async def test_a_project_is_created_with_its_channel(client: Client, database_url: str) -> None:
    owner, org = await _owner_org(client)
    lead = await add_member(client, owner, org["id"], "CONSULTANT")
    resp = await client.post(
        f"{org_url(org)}/projects",
        json={
            "nom": "Refonte SI",
            "client_id": (await make_client(client, owner, org))["id"],
            "chef_projet_id": str(lead.id),
            "date_debut": "2026-01-05",
            "date_fin_prevue": "2026-06-30",
        },
        headers=owner.headers,
    )
    project = await expect(resp, 201)
    assert resp.headers["ETag"] == '"1"'
    assert (project["statut"], project["version"]) == ("ACTIF", 1)
    assert project["channel_id"] and project["chef_projet_id"] == str(lead.id)
    got = await client.get(f"{org_url(org)}/projects/{project['id']}", headers=lead.headers)
    assert (await expect(got, 200))["channel_id"] == project["channel_id"]
    listed = await expect(await client.get(f"{org_url(org)}/projects", headers=owner.headers), 200)
    assert listed["items"][0]["channel_id"] == project["channel_id"]
    channels = await expect(await client.get(f"{org_url(org)}/channels", headers=lead.headers), 200)
    assert project["channel_id"] in {c["channel"]["id"] for c in channels["items"]}
    [entry] = await read_activity(database_url, org["id"], resource_type="project")
    assert entry.action == "PROJECT_CREATED"
    assert entry.metadata_["fields"]["nom"] == "Refonte SI"


async def test_project_names_are_unique_within_an_organization(client: Client) -> None:
    owner, org = await _owner_org(client)
    await make_project(client, owner, org, nom="Refonte SI")
    other = await make_project(client, owner, org, nom="Migration")
    customer = await make_client(client, owner, org)
    dup = {"nom": "Refonte SI", "client_id": customer["id"], "date_debut": "2026-01-05"}
    resp = await client.post(f"{org_url(org)}/projects", json=dup, headers=owner.headers)
    assert (await expect(resp, 409))["code"] == "conflict"
    url = f"{org_url(org)}/projects/{other['id']}"
    resp = await client.patch(url, json={"nom": "Refonte SI"}, headers=owner.headers)
    await expect(resp, 409)
    # Another organization may use the name.
    owner2, org2 = await _owner_org(client)
    await make_project(client, owner2, org2, nom="Refonte SI")


async def test_bad_project_input_is_422_per_field(client: Client) -> None:
    owner, org = await _owner_org(client)
    owner2, org2 = await _owner_org(client)
    foreign_client = await make_client(client, owner2, org2)
    stranger = await register(client)
    resp = await client.post(
        f"{org_url(org)}/projects",
        json={
            "nom": "Refonte",
            "client_id": foreign_client["id"],
            "chef_projet_id": str(stranger.id),
            "date_debut": "2026-03-01",
            "date_fin_prevue": "2026-02-01",
        },
        headers=owner.headers,
    )
    problem = await expect(resp, 422)
    assert locs(problem) == {"body.client_id", "body.chef_projet_id", "body.date_fin_prevue"}
    resp = await client.post(
        f"{org_url(org)}/projects",
        json={"nom": " ", "client_id": "nope", "date_debut": "hier", "statut": "FINI", "x": 1},
        headers=owner.headers,
    )
    assert locs(await expect(resp, 422)) == {
        "body.nom",
        "body.client_id",
        "body.date_debut",
        "body.statut",
        "body.x",
    }
    project = await make_project(client, owner, org, date_fin_prevue="2026-02-01")
    url = f"{org_url(org)}/projects/{project['id']}"
    resp = await client.patch(url, json={"date_debut": "2026-03-01"}, headers=owner.headers)
    assert locs(await expect(resp, 422)) == {"body.date_debut"}
    resp = await client.patch(url, json={"nom": None, "statut": None}, headers=owner.headers)
    assert locs(await expect(resp, 422)) == {"body.nom", "body.statut"}
    resp = await client.patch(url, json={"statut": "TERMINE"}, headers=owner.headers)
    assert (await expect(resp, 200))["statut"] == "TERMINE"


async def test_other_organizations_ids_are_not_found(client: Client) -> None:
    owner, org = await _owner_org(client)
    owner2, org2 = await _owner_org(client)
    foreign = await make_project(client, owner2, org2)
    foreign_client = foreign["client_id"]
    base = org_url(org)
    for method, path in (
        ("GET", f"projects/{foreign['id']}"),
        ("PATCH", f"projects/{foreign['id']}"),
        ("DELETE", f"projects/{foreign['id']}"),
        ("GET", f"clients/{foreign_client}"),
        ("PATCH", f"clients/{foreign_client}"),
        ("DELETE", f"clients/{foreign_client}"),
        ("GET", f"projects/{uuid.uuid4()}"),
        ("GET", f"clients/{uuid.uuid4()}"),
    ):
        body = {} if method == "PATCH" else None
        resp = await client.request(method, f"{base}/{path}", json=body, headers=owner.headers)
        assert resp.status == 404, (method, path)
    resp = await client.get(f"{base}/projects/not-a-uuid", headers=owner.headers)
    assert locs(await expect(resp, 422)) == {"path.id"}
    # The other organization itself is not found for a non-member.
    resp = await client.get(f"{org_url(org2)}/projects", headers=owner.headers)
    await expect(resp, 404)


async def test_stale_if_match_is_412_and_every_update_increments_the_version(
    client: Client, database_url: str
) -> None:
    owner, org = await _owner_org(client)
    project = await make_project(client, owner, org, nom="Avant")
    url = f"{org_url(org)}/projects/{project['id']}"
    resp = await client.patch(
        url, json={"description": "v2"}, headers={**owner.headers, "If-Match": '"1"'}
    )
    assert (await expect(resp, 200))["version"] == 2 and resp.headers["ETag"] == '"2"'
    resp = await client.patch(
        url, json={"description": "lost"}, headers={**owner.headers, "If-Match": '"1"'}
    )
    assert (await expect(resp, 412))["code"] == "precondition_failed"
    # Without If-Match the last write wins.
    resp = await client.patch(url, json={"nom": "Après"}, headers=owner.headers)
    body = await expect(resp, 200)
    assert (body["nom"], body["description"], body["version"]) == ("Après", "v2", 3)
    resp = await client.patch(url, json={"nom": "x"}, headers={**owner.headers, "If-Match": "*?"})
    assert locs(await expect(resp, 422)) == {"header.If-Match"}
    entries = await read_activity(database_url, org["id"], resource_type="project")
    assert entries[0].action == "PROJECT_UPDATED"
    assert entries[0].metadata_ == {"changes": {"nom": {"from": "Avant", "to": "Après"}}}


async def test_two_concurrent_patches_with_one_if_match_give_exactly_one_412(
    client: Client,
) -> None:
    owner, org = await _owner_org(client)
    project = await make_project(client, owner, org)
    url = f"{org_url(org)}/projects/{project['id']}"
    headers = {**owner.headers, "If-Match": '"1"'}
    first, second = await asyncio.gather(
        client.patch(url, json={"description": "A"}, headers=headers),
        client.patch(url, json={"description": "B"}, headers=headers),
    )
    assert sorted([first.status, second.status]) == [200, 412]
    final = await expect(await client.get(url, headers=owner.headers), 200)
    winner = await (first if first.status == 200 else second).json()
    assert final["version"] == 2 and final["description"] == winner["description"]


async def test_project_list_pages_are_stable_while_projects_are_added(client: Client) -> None:
    owner, org = await _owner_org(client)
    made = [await make_project(client, owner, org) for _ in range(3)]
    url = f"{org_url(org)}/projects"
    first = await expect(await client.get(url, params={"limit": 2}, headers=owner.headers), 200)
    made.append(await make_project(client, owner, org))
    second = await expect(
        await client.get(
            url, params={"limit": 2, "cursor": first["next_cursor"]}, headers=owner.headers
        ),
        200,
    )
    seen = [p["id"] for p in first["items"] + second["items"]]
    assert seen == [p["id"] for p in made] and second["next_cursor"] is None
    filtered = await expect(
        await client.get(url, params={"statut": "SUSPENDU"}, headers=owner.headers), 200
    )
    assert filtered["items"] == []


async def test_deleting_a_project_removes_its_tasks_channel_and_messages(
    client: Client, database_url: str
) -> None:
    owner, org = await _owner_org(client)
    project = await make_project(client, owner, org)
    task = await make_task(client, owner, org, project)
    svc = client.app[SERVICES]
    actor = Actor(user_id=owner.id, family_id=None, expires_at=datetime.now(UTC))
    ref = ChannelRef(type=ChannelType.PROJECT, id=uuid.UUID(project["channel_id"]))
    await messages.send(
        svc, actor, MessageSend(channel=ref, content="hi", client_msg_id="m1"), None
    )
    await messages.mark_read(svc, actor, ReadMark(channel=ref, seq=1), None)
    conv = message_store.Conversation(
        uuid.UUID(org["id"]), ChannelType.PROJECT, uuid.UUID(project["channel_id"])
    )

    async def leftovers() -> tuple[int, int, int]:
        engine = create_engine(database_url)
        try:
            async with create_session_factory(engine)() as session:
                rows, _ = await message_store.history(
                    session, conv, before_seq=None, after_seq=None, limit=10
                )
                last = await message_store.last_seq(session, conv)
                read = await channel_store.get_read_seq(session, conv, owner.id)
                return len(rows), last, read
        finally:
            await engine.dispose()

    assert await leftovers() == (1, 1, 1)
    url = f"{org_url(org)}/projects/{project['id']}"
    await expect(await client.delete(url, headers=owner.headers), 204)
    assert await leftovers() == (0, 0, 0)
    await expect(await client.get(url, headers=owner.headers), 404)
    task_url = f"{org_url(org)}/tasks/{task['id']}"
    await expect(await client.get(task_url, headers=owner.headers), 404)
    entry = (await read_activity(database_url, org["id"], resource_type="project"))[0]
    assert entry.action == "PROJECT_DELETED"
    assert entry.resource_id == uuid.UUID(project["id"])
