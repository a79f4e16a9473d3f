"""A project's deliverables and staffing (`affectation`) through HTTP."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.factories import (
    Client,
    User,
    add_member,
    create_org,
    expect,
    read_activity,
    register,
)
from tests.server.rest.projectkit import locs, make_project


async def _owner_org(client: Client) -> tuple[User, Any]:
    owner = await register(client)
    return owner, await create_org(client, owner)


def _deliverables(org: Any, project: Any) -> str:
    return f"/api/v1/orgs/{org['id']}/projects/{project['id']}/deliverables"


def _staffing(org: Any, project: Any) -> str:
    return f"/api/v1/orgs/{org['id']}/projects/{project['id']}/assignments"


async def _staff(
    client: Client,
    owner: User,
    org: Any,
    project: Any,
    who: User,
    start: str,
    end: str | None,
    pct: int,
) -> Any:
    body = {"profile_id": str(who.id), "date_debut": start, "date_fin": end, "allocation_pct": pct}
    return await client.post(_staffing(org, project), json=body, headers=owner.headers)


# Deliverables ---------------------------------------------------------------------------


async def test_deliverables_are_created_listed_updated_and_deleted(
    client: Client, database_url: str
) -> None:
    owner, org = await _owner_org(client)
    project = await make_project(client, owner, org)
    url = _deliverables(org, project)
    body = {"nom": "Dossier d'architecture", "date_prevue": "2026-03-31"}
    created = await expect(await client.post(url, json=body, headers=owner.headers), 201)
    assert (created["statut"], created["projet_id"], created["date_livraison"]) == (
        "A_FAIRE",
        project["id"],
        None,
    )
    await client.post(url, json={"nom": "Recette", "statut": "EN_COURS"}, headers=owner.headers)
    page = await expect(await client.get(f"{url}?limit=1", headers=owner.headers), 200)
    rest = await expect(
        await client.get(f"{url}?limit=1&cursor={page['next_cursor']}", headers=owner.headers), 200
    )
    assert [d["nom"] for d in page["items"] + rest["items"]] == [
        "Dossier d'architecture",
        "Recette",
    ]
    only = await expect(await client.get(f"{url}?statut=EN_COURS", headers=owner.headers), 200)
    assert [d["nom"] for d in only["items"]] == ["Recette"]
    one = f"{url}/{created['id']}"
    patch = {"statut": "LIVRE", "date_livraison": "2026-03-30"}
    updated = await expect(await client.patch(one, json=patch, headers=owner.headers), 200)
    assert (updated["statut"], updated["date_livraison"]) == ("LIVRE", "2026-03-30")
    assert await expect(await client.get(one, headers=owner.headers), 200) == updated
    assert (await client.delete(one, headers=owner.headers)).status == 204
    await expect(await client.get(one, headers=owner.headers), 404)
    rows = await read_activity(database_url, org["id"], resource_type="deliverable")
    assert [r.action for r in rows][:3] == [
        "DELIVERABLE_DELETED",
        "DELIVERABLE_UPDATED",
        "DELIVERABLE_CREATED",
    ]
    assert rows[1].metadata_["changes"]["statut"] == {"from": "A_FAIRE", "to": "LIVRE"}


async def test_deliverables_are_written_by_task_editors_and_read_by_readers(
    client: Client,
) -> None:
    owner, org = await _owner_org(client)
    project = await make_project(client, owner, org)
    consultant = await add_member(client, owner, org["id"], "CONSULTANT")
    contact = await add_member(client, owner, org["id"], "CLIENT")
    url = _deliverables(org, project)
    await expect(await client.post(url, json={"nom": "Plan"}, headers=consultant.headers), 403)
    await expect(await _staff(client, owner, org, project, consultant, "2026-01-05", None, 50), 201)
    made = await expect(
        await client.post(url, json={"nom": "Plan"}, headers=consultant.headers), 201
    )
    page = await expect(await client.get(url, headers=consultant.headers), 200)
    assert [d["id"] for d in page["items"]] == [made["id"]]
    # The client contact of another client reads nothing of this project.
    await expect(await client.get(url, headers=contact.headers), 404)


async def test_bad_deliverable_input_is_422_per_field_and_foreign_ids_are_404(
    client: Client,
) -> None:
    owner, org = await _owner_org(client)
    project = await make_project(client, owner, org)
    url = _deliverables(org, project)
    bad = {"nom": "", "statut": "FINI", "date_prevue": "demain", "date_livraison": 3}
    body = await expect(await client.post(url, json=bad, headers=owner.headers), 422)
    assert locs(body) == {f"body.{k}" for k in bad}
    made = await expect(await client.post(url, json={"nom": "Plan"}, headers=owner.headers), 201)
    body = await expect(
        await client.patch(f"{url}/{made['id']}", json={"nom": None}, headers=owner.headers), 422
    )
    assert locs(body) == {"body.nom"}
    other = await make_project(client, owner, org)
    await expect(
        await client.get(f"{_deliverables(org, other)}/{made['id']}", headers=owner.headers), 404
    )
    other_owner, other_org = await _owner_org(client)
    foreign = await make_project(client, other_owner, other_org)
    await expect(await client.get(_deliverables(org, foreign), headers=owner.headers), 404)
    await expect(
        await client.post(_deliverables(org, foreign), json={"nom": "x"}, headers=owner.headers),
        404,
    )
    await expect(await client.get(_deliverables(other_org, project), headers=owner.headers), 404)


# Staffing -------------------------------------------------------------------------------


async def test_staffing_is_managed_by_managers_and_read_by_project_readers(
    client: Client, database_url: str
) -> None:
    owner, org = await _owner_org(client)
    project = await make_project(client, owner, org)
    consultant = await add_member(client, owner, org["id"], "CONSULTANT")
    manager = await add_member(client, owner, org["id"], "MANAGER")
    created = await expect(
        await _staff(client, manager, org, project, consultant, "2026-02-02", "2026-06-30", 60),
        201,
    )
    assert (created["profile_id"], created["allocation_pct"]) == (str(consultant.id), 60)
    await expect(
        await _staff(client, consultant, org, project, consultant, "2026-07-01", None, 10), 403
    )
    url = f"{_staffing(org, project)}/{created['id']}"
    assert await expect(await client.get(url, headers=consultant.headers), 200) == created
    page = await expect(
        await client.get(
            f"{_staffing(org, project)}?profile_id={consultant.id}", headers=consultant.headers
        ),
        200,
    )
    assert [a["id"] for a in page["items"]] == [created["id"]]
    patched = await client.patch(url, json={"role": "Architecte"}, headers=manager.headers)
    assert (await expect(patched, 200))["role"] == "Architecte"
    assert (await client.delete(url, headers=manager.headers)).status == 204
    await expect(await client.get(url, headers=manager.headers), 404)
    rows = await read_activity(database_url, org["id"], resource_type="staffing")
    assert [r.action for r in rows] == ["STAFFING_DELETED", "STAFFING_UPDATED", "STAFFING_CREATED"]


async def test_bad_staffing_input_is_422_per_field(client: Client) -> None:
    owner, org = await _owner_org(client)
    project = await make_project(client, owner, org)
    outsider = await register(client)
    url = _staffing(org, project)
    bad = {"profile_id": "x", "date_debut": "hier", "date_fin": 5, "allocation_pct": 0}
    body = await expect(await client.post(url, json=bad, headers=owner.headers), 422)
    assert locs(body) == {f"body.{k}" for k in bad}
    body = await expect(
        await client.post(
            url,
            json={"profile_id": str(owner.id), "date_debut": "2026-01-01", "allocation_pct": 101},
            headers=owner.headers,
        ),
        422,
    )
    assert locs(body) == {"body.allocation_pct"}
    body = await expect(
        await _staff(client, owner, org, project, owner, "2026-03-01", "2026-02-01", 50), 422
    )
    assert locs(body) == {"body.date_fin"}
    body = await expect(
        await _staff(client, owner, org, project, outsider, "2026-03-01", None, 50), 422
    )
    assert locs(body) == {"body.profile_id"}


async def test_over_allocation_across_projects_is_409_naming_the_conflicts(client: Client) -> None:
    owner, org = await _owner_org(client)
    first, second = await make_project(client, owner, org), await make_project(client, owner, org)
    who = await add_member(client, owner, org["id"], "CONSULTANT")
    spring = await expect(
        await _staff(client, owner, org, first, who, "2026-03-01", "2026-05-31", 60), 201
    )
    open_ended = await expect(
        await _staff(client, owner, org, second, who, "2026-05-01", None, 30), 201
    )
    # 60% + 30% in May: 20% more on any May day would exceed 100%.
    clash = await expect(
        await _staff(client, owner, org, second, who, "2026-05-15", "2026-05-20", 20), 409
    )
    assert sorted(clash["details"]["conflicting_assignment_ids"]) == sorted(
        [spring["id"], open_ended["id"]]
    )
    # Before May only the spring assignment counts: 40% fits, 50% does not.
    march = await expect(
        await _staff(client, owner, org, second, who, "2026-03-01", "2026-03-31", 40), 201
    )
    late = await expect(
        await _staff(client, owner, org, second, who, "2026-04-01", "2026-04-30", 50), 409
    )
    assert late["details"]["conflicting_assignment_ids"] == [spring["id"]]
    # After the spring one ends, 70% fits beside the open-ended 30%, 71% does not.
    await expect(await _staff(client, owner, org, first, who, "2027-01-01", None, 70), 201)
    await expect(await _staff(client, owner, org, first, who, "2028-01-01", "2028-01-02", 1), 409)
    # Changing an assignment is checked too, without counting its own former share.
    url = f"{_staffing(org, first)}/{spring['id']}"
    body = await client.patch(url, json={"allocation_pct": 61}, headers=owner.headers)
    assert (await expect(body, 409))["details"]["conflicting_assignment_ids"] == [march["id"]]
    moved = {"date_debut": "2026-04-01", "allocation_pct": 70}
    await expect(await client.patch(url, json=moved, headers=owner.headers), 200)
    body = await client.patch(url, json={"allocation_pct": 71}, headers=owner.headers)
    assert (await expect(body, 409))["details"]["conflicting_assignment_ids"] == [open_ended["id"]]


async def test_the_conflict_details_name_the_conflicting_assignments(client: Client) -> None:
    owner, org = await _owner_org(client)
    project = await make_project(client, owner, org)
    who = await add_member(client, owner, org["id"], "CONSULTANT")
    taken = await expect(
        await _staff(client, owner, org, project, who, "2026-03-01", "2026-03-31", 80), 201
    )
    await expect(await _staff(client, owner, org, project, who, "2026-06-01", None, 80), 201)
    resp = await _staff(client, owner, org, project, who, "2026-03-15", "2026-04-15", 30)
    body = await expect(resp, 409)
    assert body["details"] == {
        "conflicting_assignment_ids": [taken["id"]],
        "allocated_pct": 80,
        "requested_pct": 30,
    }


async def test_two_concurrent_allocations_cannot_together_exceed_100(client: Client) -> None:
    owner, org = await _owner_org(client)
    first, second = await make_project(client, owner, org), await make_project(client, owner, org)
    who = await add_member(client, owner, org["id"], "CONSULTANT")
    a, b = await asyncio.gather(
        _staff(client, owner, org, first, who, "2026-03-01", None, 60),
        _staff(client, owner, org, second, who, "2026-03-01", None, 60),
    )
    assert sorted([a.status, b.status]) == [201, 409]
