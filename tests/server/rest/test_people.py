"""Consultants, the skills catalogue, people's skills and the staffing search, over HTTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.factories import (
    Client,
    User,
    add_member,
    create_org,
    expect,
    firm_today,
    read_activity,
    register,
)
from tests.server.rest.projectkit import locs, make_project, org_url

TODAY = firm_today()
DETAILS = {
    "date_embauche": "2024-09-02",
    "taux_journalier_cout": "420.5",
    "taux_journalier_vente": 780,
    "statut": "ON_MISSION",
    "job_title": "Développeuse Python",
}


async def _org(client: Client) -> tuple[User, Any]:
    owner = await register(client)
    return owner, await create_org(client, owner)


async def _put_details(
    client: Client, user: User, org: Any, who: User, status: int = 201, **fields: Any
) -> Any:
    resp = await client.put(
        f"{org_url(org)}/consultants/{who.id}", json={**DETAILS, **fields}, headers=user.headers
    )
    return await expect(resp, status)


async def _competence(client: Client, user: User, org: Any, nom: str) -> Any:
    resp = await client.post(f"{org_url(org)}/competences", json={"nom": nom}, headers=user.headers)
    return await expect(resp, 201)


async def _skill(
    client: Client, user: User, org: Any, who: User, competence: Any, niveau: int
) -> Any:
    url = f"{org_url(org)}/consultants/{who.id}/competences/{competence['id']}"
    return await client.put(url, json={"niveau": niveau}, headers=user.headers)


# Consultants --------------------------------------------------------------------------------


async def test_consultant_details_are_created_replaced_patched_listed_and_deleted(
    client: Client, database_url: str
) -> None:
    owner, org = await _org(client)
    dev = await add_member(client, owner, org["id"], "CONSULTANT")
    created = await _put_details(client, owner, org, dev)
    assert created["profile_id"] == str(dev.id)
    assert (created["taux_journalier_cout"], created["taux_journalier_vente"]) == (
        "420.50",
        "780.00",
    )
    assert (created["statut"], created["job_title"], created["competences"]) == (
        "ON_MISSION",
        "Développeuse Python",
        [],
    )
    # PUT again replaces (200); the optional fields fall back to their defaults.
    replaced = await expect(
        await client.put(
            f"{org_url(org)}/consultants/{dev.id}",
            json={"date_embauche": "2024-09-02", "taux_journalier_cout": 450},
            headers=owner.headers,
        ),
        200,
    )
    assert (replaced["id"], replaced["statut"], replaced["taux_journalier_vente"]) == (
        created["id"],
        "AVAILABLE",
        None,
    )
    one = f"{org_url(org)}/consultants/{dev.id}"
    patched = await expect(
        await client.patch(one, json={"statut": "ON_LEAVE"}, headers=owner.headers), 200
    )
    assert (patched["statut"], patched["taux_journalier_cout"]) == ("ON_LEAVE", "450.00")
    assert await expect(await client.get(one, headers=owner.headers), 200) == patched
    other = await add_member(client, owner, org["id"], "MEMBER")
    await _put_details(client, owner, org, other)
    page = await expect(
        await client.get(f"{org_url(org)}/consultants?limit=1", headers=owner.headers), 200
    )
    rest = await expect(
        await client.get(
            f"{org_url(org)}/consultants?limit=1&cursor={page['next_cursor']}",
            headers=owner.headers,
        ),
        200,
    )
    assert [c["profile_id"] for c in page["items"] + rest["items"]] == [str(dev.id), str(other.id)]
    on_leave = await expect(
        await client.get(f"{org_url(org)}/consultants?statut=ON_LEAVE", headers=owner.headers),
        200,
    )
    assert [c["profile_id"] for c in on_leave["items"]] == [str(dev.id)]
    assert (await client.delete(one, headers=owner.headers)).status == 204
    await expect(await client.get(one, headers=owner.headers), 404)
    rows = await read_activity(database_url, org["id"], resource_type="consultant")
    actions = [r.action for r in rows]
    assert actions.count("CONSULTANT_CREATED") == 2
    assert actions[0] == "CONSULTANT_DELETED"
    assert "CONSULTANT_UPDATED" in actions


async def test_cost_rates_are_shown_only_to_owners_admins_and_managers(client: Client) -> None:
    owner, org = await _org(client)
    dev = await add_member(client, owner, org["id"], "CONSULTANT")
    await _put_details(client, owner, org, dev)
    for role, sees in [
        ("ADMIN", True),
        ("MANAGER", True),
        ("CONSULTANT", False),
        ("MEMBER", False),
    ]:
        reader = await add_member(client, owner, org["id"], role)
        one = await expect(
            await client.get(f"{org_url(org)}/consultants/{dev.id}", headers=reader.headers), 200
        )
        page = await expect(
            await client.get(f"{org_url(org)}/consultants", headers=reader.headers), 200
        )
        for seen in (one, page["items"][0]):
            assert ("taux_journalier_cout" in seen) is sees, role
            assert ("taux_journalier_vente" in seen) is sees, role
    # The consultant does not see even their own rates.
    mine = await expect(
        await client.get(f"{org_url(org)}/consultants/{dev.id}", headers=dev.headers), 200
    )
    assert "taux_journalier_cout" not in mine
    contact = await add_member(client, owner, org["id"], "CLIENT")
    await expect(await client.get(f"{org_url(org)}/consultants", headers=contact.headers), 403)


async def test_bad_consultant_details_are_refused_field_by_field(client: Client) -> None:
    owner, org = await _org(client)
    dev = await add_member(client, owner, org["id"], "CONSULTANT")
    url = f"{org_url(org)}/consultants/{dev.id}"
    bad = {
        "date_embauche": "hier",
        "taux_journalier_cout": 0,
        "taux_journalier_vente": -5,
        "statut": "RETIRED",
        "job_title": "",
    }
    body = await expect(await client.put(url, json=bad, headers=owner.headers), 422)
    assert locs(body) == {f"body.{k}" for k in bad}
    await _put_details(client, owner, org, dev)
    body = await expect(
        await client.patch(url, json={"taux_journalier_cout": None}, headers=owner.headers), 422
    )
    assert locs(body) == {"body.taux_journalier_cout"}
    # Someone who is not a member, a CLIENT contact, a duplicate POST.
    stranger = await register(client)
    await _put_details(client, owner, org, stranger, status=404)
    contact = await add_member(client, owner, org["id"], "CLIENT")
    body = await _put_details(client, owner, org, contact, status=422)
    assert locs(body) == {"path.profile_id"}
    posted = await client.post(
        f"{org_url(org)}/consultants",
        json={**DETAILS, "profile_id": str(dev.id)},
        headers=owner.headers,
    )
    await expect(posted, 409)
    posted = await client.post(
        f"{org_url(org)}/consultants",
        json={**DETAILS, "profile_id": str(stranger.id)},
        headers=owner.headers,
    )
    assert locs(await expect(posted, 422)) == {"body.profile_id"}
    newcomer = await add_member(client, owner, org["id"], "MEMBER")
    posted = await client.post(
        f"{org_url(org)}/consultants",
        json={**DETAILS, "profile_id": str(newcomer.id)},
        headers=owner.headers,
    )
    assert (await expect(posted, 201))["profile_id"] == str(newcomer.id)


async def test_only_managers_write_consultant_details(client: Client) -> None:
    owner, org = await _org(client)
    dev = await add_member(client, owner, org["id"], "CONSULTANT")
    await _put_details(client, dev, org, dev, status=403)
    manager = await add_member(client, owner, org["id"], "MANAGER")
    await _put_details(client, manager, org, dev)


# Competences -------------------------------------------------------------------------------


async def test_competences_are_unique_per_organization_ignoring_case(
    client: Client, database_url: str
) -> None:
    owner, org = await _org(client)
    url = f"{org_url(org)}/competences"
    python = await _competence(client, owner, org, "Python")
    await expect(await client.post(url, json={"nom": "python"}, headers=owner.headers), 409)
    java = await _competence(client, owner, org, "Java")
    renamed = await client.patch(
        f"{url}/{java['id']}", json={"nom": "PYTHON"}, headers=owner.headers
    )
    await expect(renamed, 409)
    # Another organization may have its own "Python".
    other_owner, other = await _org(client)
    await _competence(client, other_owner, other, "Python")
    patched = await expect(
        await client.patch(
            f"{url}/{java['id']}",
            json={"nom": "Java EE", "description": "Jakarta"},
            headers=owner.headers,
        ),
        200,
    )
    assert (patched["nom"], patched["description"]) == ("Java EE", "Jakarta")
    page = await expect(await client.get(f"{url}?limit=1", headers=owner.headers), 200)
    rest = await expect(
        await client.get(f"{url}?limit=1&cursor={page['next_cursor']}", headers=owner.headers),
        200,
    )
    assert [c["nom"] for c in page["items"] + rest["items"]] == ["Java EE", "Python"]
    assert (
        await expect(await client.get(f"{url}/{python['id']}", headers=owner.headers), 200)
        == python
    )
    await expect(await client.get(f"{url}/{python['id']}", headers=other_owner.headers), 404)
    assert (await client.delete(f"{url}/{python['id']}", headers=owner.headers)).status == 204
    await expect(await client.get(f"{url}/{python['id']}", headers=owner.headers), 404)
    rows = await read_activity(database_url, org["id"], resource_type="competence")
    assert [r.action for r in rows] == [
        "COMPETENCE_DELETED",
        "COMPETENCE_UPDATED",
        "COMPETENCE_CREATED",
        "COMPETENCE_CREATED",
    ]


async def test_skill_levels_are_set_checked_shown_and_removed(client: Client) -> None:
    owner, org = await _org(client)
    dev = await add_member(client, owner, org["id"], "CONSULTANT")
    await _put_details(client, owner, org, dev)
    python = await _competence(client, owner, org, "Python")
    sql = await _competence(client, owner, org, "SQL")
    url = f"{org_url(org)}/consultants/{dev.id}/competences/{python['id']}"
    set_ = await expect(await _skill(client, owner, org, dev, python, 3), 201)
    assert (set_["niveau"], set_["date_evaluation"], set_["nom"]) == (
        3,
        TODAY.isoformat(),
        "Python",
    )
    again = await client.put(
        url, json={"niveau": 4, "date_evaluation": "2026-01-15"}, headers=owner.headers
    )
    assert (await expect(again, 200))["niveau"] == 4
    await expect(await _skill(client, owner, org, dev, sql, 2), 201)
    for bad in [{"niveau": 0}, {"niveau": 6}, {"niveau": "expert"}]:
        body = await expect(await client.put(url, json=bad, headers=owner.headers), 422)
        assert locs(body) == {"body.niveau"}
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    future = await client.put(
        url, json={"niveau": 2, "date_evaluation": tomorrow}, headers=owner.headers
    )
    assert locs(await expect(future, 422)) == {"body.date_evaluation"}
    missing = f"{org_url(org)}/consultants/{dev.id}/competences/{owner.id}"
    await expect(await client.put(missing, json={"niveau": 2}, headers=owner.headers), 404)
    await expect(await client.put(url, json={"niveau": 2}, headers=dev.headers), 403)
    shown = await expect(
        await client.get(f"{org_url(org)}/consultants/{dev.id}", headers=dev.headers), 200
    )
    assert [(s["nom"], s["niveau"]) for s in shown["competences"]] == [("Python", 4), ("SQL", 2)]
    assert (await client.delete(url, headers=owner.headers)).status == 204
    await expect(await client.delete(url, headers=owner.headers), 404)
    # Deleting a skill from the catalogue removes everyone's level in it.
    await client.delete(f"{org_url(org)}/competences/{sql['id']}", headers=owner.headers)
    shown = await expect(
        await client.get(f"{org_url(org)}/consultants/{dev.id}", headers=owner.headers), 200
    )
    assert shown["competences"] == []


# Staffing search ---------------------------------------------------------------------------


async def _staff(
    client: Client, owner: User, org: Any, project: Any, who: User, start: str, end: str, pct: int
) -> None:
    body = {"profile_id": str(who.id), "date_debut": start, "date_fin": end, "allocation_pct": pct}
    url = f"{org_url(org)}/projects/{project['id']}/assignments"
    await expect(await client.post(url, json=body, headers=owner.headers), 201)


async def test_staffing_ranks_by_level_then_free_allocation_on_the_busiest_day(
    client: Client,
) -> None:
    owner, org = await _org(client)
    python = await _competence(client, owner, org, "Python")
    project = await make_project(client, owner, org)
    people = {}
    for name, niveau in [("ana", 4), ("ben", 4), ("chloe", 5), ("dan", 2), ("eve", 3)]:
        people[name] = await add_member(client, owner, org["id"], "CONSULTANT")
        await expect(await _skill(client, owner, org, people[name], python, niveau), 201)
    await _put_details(client, owner, org, people["ana"], job_title="Lead")
    # ana: two 50% missions one after the other: 50% busy at most on any day, not 100%.
    await _staff(client, owner, org, project, people["ana"], "2026-03-02", "2026-03-13", 50)
    await _staff(client, owner, org, project, people["ana"], "2026-03-16", "2026-03-27", 50)
    # ben: 30% then, overlapping it, 40% more: 70% on the busiest day.
    await _staff(client, owner, org, project, people["ben"], "2026-03-02", "2026-03-31", 30)
    await _staff(client, owner, org, project, people["ben"], "2026-03-20", "2026-04-30", 40)
    # chloe: fully booked, but only after the range.
    await _staff(client, owner, org, project, people["chloe"], "2026-04-01", "2026-04-30", 100)
    # eve: fully booked, but only before the range.
    await _staff(client, owner, org, project, people["eve"], "2026-01-05", "2026-02-27", 100)
    url = (
        f"{org_url(org)}/staffing?competence_id={python['id']}&min_niveau=3"
        "&from=2026-03-01&to=2026-03-31"
    )
    page = await expect(await client.get(url, headers=people["dan"].headers), 200)
    ranked = [(c["profile_id"], c["niveau"], c["free_pct"]) for c in page["items"]]
    assert ranked == [
        (str(people["chloe"].id), 5, 100),
        (str(people["ana"].id), 4, 50),
        (str(people["ben"].id), 4, 30),
        (str(people["eve"].id), 3, 100),
    ]
    ana = page["items"][1]
    assert (ana["allocated_pct"], ana["job_title"], ana["statut"]) == (50, "Lead", "ON_MISSION")
    assert page["items"][0]["statut"] is None  # no consultant details
    # Pages follow the same order.
    first = await expect(await client.get(url + "&limit=3", headers=owner.headers), 200)
    second = await expect(
        await client.get(url + f"&limit=3&cursor={first['next_cursor']}", headers=owner.headers),
        200,
    )
    assert [c["profile_id"] for c in first["items"] + second["items"]] == [r[0] for r in ranked]
    assert second["next_cursor"] is None


async def test_staffing_search_checks_its_range_and_skill(client: Client) -> None:
    owner, org = await _org(client)
    python = await _competence(client, owner, org, "Python")
    base = f"{org_url(org)}/staffing?competence_id={python['id']}"
    backwards = await client.get(base + "&from=2026-03-31&to=2026-03-01", headers=owner.headers)
    assert locs(await expect(backwards, 422)) == {"query.to"}
    too_long = await client.get(base + "&from=2026-01-01&to=2027-01-02", headers=owner.headers)
    assert locs(await expect(too_long, 422)) == {"query.to"}
    leap = await client.get(base + "&from=2028-01-01&to=2028-12-31", headers=owner.headers)
    assert (await expect(leap, 200))["items"] == []
    bad = await client.get(
        f"{org_url(org)}/staffing?competence_id=x&min_niveau=9&from=2026-01-01",
        headers=owner.headers,
    )
    assert locs(await expect(bad, 422)) == {"query.competence_id", "query.min_niveau", "query.to"}
    other_owner, other = await _org(client)
    foreign = await _competence(client, other_owner, other, "Go")
    missing = await client.get(
        f"{org_url(org)}/staffing?competence_id={foreign['id']}&from=2026-01-01&to=2026-01-31",
        headers=owner.headers,
    )
    await expect(missing, 404)
