"""Kanban tasks through HTTP: fields and validation, filters, who may edit, optimistic
concurrency, events and the activity log (the board and moves: test_board.py)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from server.bus import Emit
from server.realtime.rooms import project_room
from tests.factories import (
    Client,
    User,
    add_member,
    create_org,
    expect,
    read_activity,
    record_effects,
    register,
)
from tests.server.rest.projectkit import (
    board,
    locs,
    make_client,
    make_project,
    make_task,
    move,
    org_url,
    task_url,
)


async def _setup(client: Client) -> tuple[User, Any, Any]:
    owner = await register(client)
    org = await create_org(client, owner)
    return owner, org, await make_project(client, owner, org)


def _names(column: list[Any]) -> list[str]:
    return [t["nom"] for t in column]


# Fields -------------------------------------------------------------------------------


async def test_a_new_task_goes_to_the_end_of_its_column(
    client: Client, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner, org, project = await _setup(client)
    effects = record_effects(monkeypatch)
    first = await make_task(client, owner, org, project, nom="Cadrage")
    resp = await client.post(
        f"{org_url(org)}/projects/{project['id']}/tasks",
        json={
            "nom": "Recette",
            "priority": "high",
            "tags": ["qa", "client", "qa"],
            "color": "#12abEF",
            "charge_estimee_jh": 2.5,
            "date_fin_cible": "2026-03-01",
            "profile_responsable_id": str(owner.id),
        },
        headers=owner.headers,
    )
    second = await expect(resp, 201)
    assert resp.headers["ETag"] == '"1"'
    assert (first["position"], first["statut"], first["priority"]) == (0, "TODO", "medium")
    assert (second["position"], second["version"], second["tags"]) == (1, 1, ["qa", "client"])
    assert (second["charge_estimee_jh"], second["color"]) == (2.5, "#12abEF")
    got = await expect(await client.get(task_url(org, second), headers=owner.headers), 200)
    assert got == second
    done = await make_task(client, owner, org, project, statut="DONE")
    assert done["position"] == 0
    created = [e for e in effects if isinstance(e, Emit) and e.event == "task:created"]
    assert [e.room for e in created] == [project_room(uuid.UUID(project["id"]))] * 3
    assert created[1].data.id == uuid.UUID(second["id"])
    entries = await read_activity(database_url, org["id"], resource_type="task")
    assert {e.action for e in entries} == {"TASK_CREATED"}
    assert entries[1].metadata_["fields"]["tags"] == ["qa", "client"]


async def test_bad_task_input_is_422_per_field(client: Client) -> None:
    owner, org, project = await _setup(client)
    other_project = await make_project(client, owner, org)
    url = f"{org_url(org)}/projects/{other_project['id']}/deliverables"
    foreign_deliverable = await expect(
        await client.post(url, json={"nom": "Livrable"}, headers=owner.headers), 201
    )
    stranger = await register(client)
    tasks_url = f"{org_url(org)}/projects/{project['id']}/tasks"
    resp = await client.post(
        tasks_url,
        json={
            "nom": "x" * 201,
            "statut": "BLOCKED",
            "priority": "asap",
            "color": "red",
            "tags": ["ok", "", "t" * 41],
            "charge_estimee_jh": -1,
        },
        headers=owner.headers,
    )
    assert locs(await expect(resp, 422)) == {
        "body.nom",
        "body.statut",
        "body.priority",
        "body.color",
        "body.tags.1",
        "body.tags.2",
        "body.charge_estimee_jh",
    }
    resp = await client.post(
        tasks_url, json={"nom": "ok", "tags": [f"t{i}" for i in range(21)]}, headers=owner.headers
    )
    assert locs(await expect(resp, 422)) == {"body.tags"}
    resp = await client.post(
        tasks_url,
        json={
            "nom": "ok",
            "profile_responsable_id": str(stranger.id),
            "livrable_id": foreign_deliverable["id"],
        },
        headers=owner.headers,
    )
    assert locs(await expect(resp, 422)) == {"body.profile_responsable_id", "body.livrable_id"}
    task = await make_task(client, owner, org, project)
    resp = await client.patch(
        task_url(org, task),
        json={"nom": None, "tags": None, "livrable_id": foreign_deliverable["id"]},
        headers=owner.headers,
    )
    assert locs(await expect(resp, 422)) == {"body.nom", "body.tags"}
    resp = await client.patch(
        task_url(org, task), json={"livrable_id": foreign_deliverable["id"]}, headers=owner.headers
    )
    assert locs(await expect(resp, 422)) == {"body.livrable_id"}
    url = f"{org_url(org)}/projects/{project['id']}/deliverables"
    own = await expect(await client.post(url, json={"nom": "L1"}, headers=owner.headers), 201)
    resp = await client.patch(
        task_url(org, task), json={"livrable_id": own["id"]}, headers=owner.headers
    )
    assert (await expect(resp, 200))["livrable_id"] == own["id"]


async def test_tasks_are_filtered_by_status_person_priority_and_tag(client: Client) -> None:
    owner, org, project = await _setup(client)
    consultant = await add_member(client, owner, org["id"], "CONSULTANT")
    a = await make_task(client, owner, org, project, tags=["front", "ux"], priority="high")
    b = await make_task(client, owner, org, project, tags=["back"], statut="DONE")
    c = await make_task(
        client, owner, org, project, profile_responsable_id=str(consultant.id), tags=["front"]
    )
    url = f"{org_url(org)}/projects/{project['id']}/tasks"

    async def ids(**params: str) -> list[str]:
        page = await expect(await client.get(url, params=params, headers=owner.headers), 200)
        return [t["id"] for t in page["items"]]

    assert await ids() == [a["id"], c["id"], b["id"]]
    assert await ids(statut="DONE") == [b["id"]]
    assert await ids(priority="high") == [a["id"]]
    assert await ids(profile_responsable_id=str(consultant.id)) == [c["id"]]
    assert await ids(tag="front") == [a["id"], c["id"]]
    assert await ids(tag="nothing") == []
    page = await expect(await client.get(url, params={"tag": "front"}, headers=owner.headers), 200)
    # Positions stay those of the whole column.
    assert [t["position"] for t in page["items"]] == [0, 1]
    resp = await client.get(url, params={"priority": "asap", "limit": 0}, headers=owner.headers)
    assert locs(await expect(resp, 422)) == {"query.priority", "query.limit"}


async def test_task_pages_are_stable_while_tasks_are_added(client: Client) -> None:
    owner, org, project = await _setup(client)
    made = [await make_task(client, owner, org, project) for _ in range(3)]
    url = f"{org_url(org)}/projects/{project['id']}/tasks"
    first = await expect(await client.get(url, params={"limit": 2}, headers=owner.headers), 200)
    made.append(await make_task(client, owner, org, project))
    second = await expect(
        await client.get(
            url, params={"limit": 2, "cursor": first["next_cursor"]}, headers=owner.headers
        ),
        200,
    )
    assert [t["id"] for t in first["items"] + second["items"]] == [t["id"] for t in made]


# Updates, concurrency, deletion ------------------------------------------------------


async def test_patching_the_status_moves_the_task_to_the_end_of_that_column(
    client: Client, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner, org, project = await _setup(client)
    done = await make_task(client, owner, org, project, statut="DONE")
    task = await make_task(client, owner, org, project, nom="Avant")
    effects = record_effects(monkeypatch)
    resp = await client.patch(
        task_url(org, task), json={"statut": "DONE", "nom": "Après"}, headers=owner.headers
    )
    body = await expect(resp, 200)
    assert (body["statut"], body["position"], body["version"]) == ("DONE", 1, 2)
    assert resp.headers["ETag"] == '"2"'
    assert _names((await board(client, owner, org, project))["DONE"]) == [done["nom"], "Après"]
    [event] = [e for e in effects if isinstance(e, Emit) and e.event == "task:updated"]
    assert event.data.nom == "Après"
    entry = (await read_activity(database_url, org["id"], resource_id=uuid.UUID(task["id"])))[0]
    assert entry.metadata_["changes"] == {
        "statut": {"from": "TODO", "to": "DONE"},
        "nom": {"from": "Avant", "to": "Après"},
    }


async def test_stale_if_match_is_412_and_without_it_the_last_write_wins(client: Client) -> None:
    owner, org, project = await _setup(client)
    task = await make_task(client, owner, org, project)
    url = task_url(org, task)
    stale_headers = {**owner.headers, "If-Match": '"1"'}
    await expect(await client.patch(url, json={"priority": "low"}, headers=stale_headers), 200)
    problem = await expect(
        await client.patch(url, json={"priority": "high"}, headers=stale_headers), 412
    )
    assert problem["code"] == "precondition_failed"
    await expect(await move(client, owner, org, task, "DONE"), 200)
    resp = await client.post(f"{url}/move", json={"statut": "TODO"}, headers=stale_headers)
    await expect(resp, 412)
    body = await expect(
        await client.patch(url, json={"priority": "urgent"}, headers=owner.headers), 200
    )
    assert (body["priority"], body["version"]) == ("urgent", 4)


async def test_two_concurrent_patches_with_one_if_match_give_exactly_one_412(
    client: Client,
) -> None:
    owner, org, project = await _setup(client)
    task = await make_task(client, owner, org, project)
    url = task_url(org, task)
    headers = {**owner.headers, "If-Match": '"1"'}
    first, second = await asyncio.gather(
        client.patch(url, json={"nom": "A", "statut": "DONE"}, headers=headers),
        client.patch(url, json={"nom": "B"}, headers=headers),
    )
    assert sorted([first.status, second.status]) == [200, 412]
    final = await expect(await client.get(url, headers=owner.headers), 200)
    winner = await (first if first.status == 200 else second).json()
    assert (final["version"], final["nom"]) == (2, winner["nom"])


async def test_deleting_a_task_announces_it_and_closes_the_gap(
    client: Client, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner, org, project = await _setup(client)
    a, b = [await make_task(client, owner, org, project, nom=n) for n in "AB"]
    effects = record_effects(monkeypatch)
    await expect(await client.delete(task_url(org, a), headers=owner.headers), 204)
    await expect(await client.get(task_url(org, a), headers=owner.headers), 404)
    got = await expect(await client.get(task_url(org, b), headers=owner.headers), 200)
    assert got["position"] == 0
    [event] = [e for e in effects if isinstance(e, Emit) and e.event == "task:deleted"]
    assert event.data.model_dump(mode="json") == {"id": a["id"], "projet_id": project["id"]}
    assert event.room == project_room(uuid.UUID(project["id"]))
    entry = (await read_activity(database_url, org["id"], resource_id=uuid.UUID(a["id"])))[0]
    assert (entry.action, entry.metadata_) == ("TASK_DELETED", {"nom": "A"})


# Who may edit, tenancy ----------------------------------------------------------------


async def test_a_consultant_edits_tasks_only_on_projects_they_lead_or_are_staffed_on(
    client: Client,
) -> None:
    owner, org, project = await _setup(client)
    consultant = await add_member(client, owner, org["id"], "CONSULTANT")
    led = await make_project(client, owner, org, lead=consultant)
    staffed = await make_project(client, owner, org)
    theirs = await make_task(client, owner, org, project)
    tasks_url = f"{org_url(org)}/projects/{project['id']}/tasks"
    headers = consultant.headers

    await expect(await client.get(task_url(org, theirs), headers=headers), 200)
    await expect(await client.post(tasks_url, json={"nom": "x"}, headers=headers), 403)
    await expect(await client.patch(task_url(org, theirs), json={"nom": "y"}, headers=headers), 403)
    await expect(await move(client, consultant, org, theirs, "DONE"), 403)
    await expect(await client.delete(task_url(org, theirs), headers=headers), 403)

    mine = await make_task(client, consultant, org, led)
    await expect(await client.patch(task_url(org, mine), json={"nom": "z"}, headers=headers), 200)
    await expect(await move(client, consultant, org, mine, "DONE"), 200)
    await expect(await client.delete(task_url(org, mine), headers=headers), 204)

    staffing_url = f"{org_url(org)}/projects/{staffed['id']}/assignments"
    staff = {"profile_id": str(consultant.id), "date_debut": "2026-01-05"}
    await expect(await client.post(staffing_url, json=staff, headers=owner.headers), 201)
    await make_task(client, consultant, org, staffed)


async def test_a_client_member_reads_their_projects_tasks_but_never_edits_them(
    client: Client,
) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    contact = await add_member(client, owner, org["id"], "CLIENT")
    customer = await make_client(client, owner, org, contact=contact)
    project = await make_project(client, owner, org, customer=customer, lead=contact)
    task = await make_task(client, owner, org, project)
    await expect(await client.get(task_url(org, task), headers=contact.headers), 200)
    resp = await client.patch(task_url(org, task), json={"nom": "x"}, headers=contact.headers)
    await expect(resp, 403)
    hidden = await make_task(client, owner, org, await make_project(client, owner, org))
    await expect(await client.get(task_url(org, hidden), headers=contact.headers), 404)
    resp = await client.patch(task_url(org, hidden), json={"nom": "x"}, headers=contact.headers)
    await expect(resp, 404)


async def test_other_organizations_tasks_and_projects_are_not_found(client: Client) -> None:
    owner, org, project = await _setup(client)
    owner2, org2, project2 = await _setup(client)
    foreign = await make_task(client, owner2, org2, project2)
    base = org_url(org)
    for method, path, body in (
        ("GET", f"tasks/{foreign['id']}", None),
        ("PATCH", f"tasks/{foreign['id']}", {"nom": "x"}),
        ("DELETE", f"tasks/{foreign['id']}", None),
        ("POST", f"tasks/{foreign['id']}/move", {"statut": "DONE"}),
        ("GET", f"tasks/{uuid.uuid4()}", None),
        ("GET", f"projects/{project2['id']}/tasks", None),
        ("POST", f"projects/{project2['id']}/tasks", {"nom": "x"}),
        ("GET", f"projects/{project2['id']}/board", None),
        ("GET", f"projects/{uuid.uuid4()}/board", None),
    ):
        resp = await client.request(method, f"{base}/{path}", json=body, headers=owner.headers)
        assert resp.status == 404, (method, path)
    # A foreign task is no valid neighbour either.
    mine = await make_task(client, owner, org, project)
    resp = await move(client, owner, org, mine, "TODO", after=foreign)
    assert locs(await expect(resp, 422)) == {"body.after_id"}
    resp = await client.get(f"{base}/tasks/123", headers=owner.headers)
    assert locs(await expect(resp, 422)) == {"path.id"}
