"""Milestones through HTTP: fields and validation, access, optimistic concurrency,
dependencies and assigned people (progress: test_milestone_progress.py)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from tests.factories import (
    Client,
    add_member,
    expect,
    read_activity,
    register,
)
from tests.server.rest.milestonekit import (
    get_milestone,
    make_milestone,
    milestone_body,
    ms_url,
    owner_and_org,
)
from tests.server.rest.projectkit import locs

# Fields, reading, access ---------------------------------------------------------------


async def test_manager_creates_an_org_milestone_read_by_members_with_its_etag(
    client: Client,
) -> None:
    owner, org = await owner_and_org(client)
    manager = await add_member(client, owner, org["id"], "MANAGER")
    consultant = await add_member(client, owner, org["id"], "CONSULTANT")
    resp = await client.post(
        ms_url(org), json=milestone_body(color="#1a2B3c", priority="high"), headers=manager.headers
    )
    created = await expect(resp, 201)
    assert resp.headers["ETag"] == '"1"'
    assert created["projet_id"] is None and created["version"] == 1
    assert (created["status"], created["priority"], created["color"]) == (
        "not_started",
        "high",
        "#1a2B3c",
    )
    assert (created["progress_mode"], created["progress_percentage"]) == ("auto", 0)
    assert created["created_by"] == str(manager.id)
    assert created["tasks"] == [] and created["depends_on"] == []
    resp = await client.get(f"{ms_url(org)}/{created['id']}", headers=consultant.headers)
    assert await expect(resp, 200) == created and resp.headers["ETag"] == '"1"'
    page = await expect(await client.get(ms_url(org), headers=consultant.headers), 200)
    assert [m["id"] for m in page["items"]] == [created["id"]]


async def test_only_managers_and_above_write_milestones_and_clients_do_not_see_org_ones(
    client: Client,
) -> None:
    owner, org = await owner_and_org(client)
    consultant = await add_member(client, owner, org["id"], "CONSULTANT")
    contact = await add_member(client, owner, org["id"], "CLIENT")
    outsider = await register(client)
    await expect(
        await client.post(ms_url(org), json=milestone_body(), headers=consultant.headers), 403
    )
    await expect(
        await client.post(ms_url(org), json=milestone_body(), headers=outsider.headers), 404
    )
    milestone = await make_milestone(client, owner, org)
    url = f"{ms_url(org)}/{milestone['id']}"
    await expect(await client.patch(url, json={"name": "x"}, headers=consultant.headers), 403)
    await expect(await client.get(url, headers=contact.headers), 404)
    await expect(await client.get(url, headers=outsider.headers), 404)
    page = await expect(await client.get(ms_url(org), headers=contact.headers), 200)
    assert page["items"] == []


async def test_bad_milestone_fields_are_each_named_in_a_422(client: Client) -> None:
    owner, org = await owner_and_org(client)
    bad = {
        "name": "  ",
        "start_date": "2026-13-01",
        "due_date": "soon",
        "status": "done",
        "priority": "urgent",
        "color": "red",
        "progress_mode": "magic",
        "progress_percentage": 101,
        "extra": 1,
    }
    body = await expect(await client.post(ms_url(org), json=bad, headers=owner.headers), 422)
    assert locs(body) == {f"body.{k}" for k in bad}
    reversed_dates = milestone_body(start_date="2026-04-01", due_date="2026-03-01")
    body = await expect(
        await client.post(ms_url(org), json=reversed_dates, headers=owner.headers), 422
    )
    assert locs(body) == {"body.due_date"}
    auto_with_pct = milestone_body(progress_percentage=30)
    body = await expect(
        await client.post(ms_url(org), json=auto_with_pct, headers=owner.headers), 422
    )
    assert locs(body) == {"body.progress_percentage"}


async def test_patch_validates_against_the_stored_values(client: Client) -> None:
    owner, org = await owner_and_org(client)
    milestone = await make_milestone(client, owner, org)
    url = f"{ms_url(org)}/{milestone['id']}"
    cases = [
        ({"start_date": "2026-04-01"}, {"body.start_date"}),
        ({"due_date": "2026-01-01"}, {"body.due_date"}),
        ({"name": None, "status": None}, {"body.name", "body.status"}),
        ({"progress_percentage": 50}, {"body.progress_percentage"}),
        ({"projet_id": str(uuid.uuid4())}, {"body.projet_id"}),
    ]
    for patch, named in cases:
        body = await expect(await client.patch(url, json=patch, headers=owner.headers), 422)
        assert locs(body) == named, patch
    assert (await get_milestone(client, owner, org, milestone))["version"] == 1


async def test_foreign_and_missing_ids_are_404(client: Client) -> None:
    owner, org = await owner_and_org(client)
    other_owner, other_org = await owner_and_org(client)
    foreign = await make_milestone(client, other_owner, other_org)
    mine = await make_milestone(client, owner, org)
    for url in (f"{ms_url(org)}/{foreign['id']}", f"{ms_url(org)}/{uuid.uuid4()}"):
        await expect(await client.get(url, headers=owner.headers), 404)
        await expect(await client.patch(url, json={"name": "x"}, headers=owner.headers), 404)
        await expect(await client.delete(url, headers=owner.headers), 404)
    dep = f"{ms_url(org)}/{mine['id']}/dependencies/{foreign['id']}"
    await expect(await client.put(dep, headers=owner.headers), 404)
    await expect(
        await client.put(f"{ms_url(org)}/{mine['id']}/tasks/{uuid.uuid4()}", headers=owner.headers),
        404,
    )
    body = await expect(await client.get(f"{ms_url(org)}/not-a-uuid", headers=owner.headers), 422)
    assert locs(body) == {"path.id"}
    await expect(
        await client.post(
            ms_url(org), json=milestone_body(projet_id=str(uuid.uuid4())), headers=owner.headers
        ),
        404,
    )


async def test_list_is_paginated_by_due_date(client: Client) -> None:
    owner, org = await owner_and_org(client)
    dues = ["2026-05-01", "2026-03-01", "2026-04-01"]
    for due in dues:
        await make_milestone(client, owner, org, start_date="2026-01-01", due_date=due)
    first = await expect(await client.get(f"{ms_url(org)}?limit=2", headers=owner.headers), 200)
    second = await expect(
        await client.get(
            f"{ms_url(org)}?limit=2&cursor={first['next_cursor']}", headers=owner.headers
        ),
        200,
    )
    got = [m["due_date"] for m in first["items"] + second["items"]]
    assert got == sorted(dues) and second["next_cursor"] is None


async def test_delete_removes_the_milestone_and_logs_it(client: Client, database_url: str) -> None:
    owner, org = await owner_and_org(client)
    milestone = await make_milestone(client, owner, org)
    url = f"{ms_url(org)}/{milestone['id']}"
    await expect(await client.patch(url, json={"name": "Go-live"}, headers=owner.headers), 200)
    assert (await client.delete(url, headers=owner.headers)).status == 204
    await expect(await client.get(url, headers=owner.headers), 404)
    rows = await read_activity(database_url, org["id"], resource_type="milestone")
    assert [r.action for r in rows] == [
        "MILESTONE_DELETED",
        "MILESTONE_UPDATED",
        "MILESTONE_CREATED",
    ]
    assert rows[1].metadata_["changes"] == {"name": {"from": "Recette", "to": "Go-live"}}
    assert rows[2].metadata_["fields"]["due_date"] == "2026-03-27"


# Optimistic concurrency -----------------------------------------------------------------


async def test_patch_with_a_stale_if_match_is_412_and_each_update_bumps_the_version(
    client: Client,
) -> None:
    owner, org = await owner_and_org(client)
    milestone = await make_milestone(client, owner, org)
    url = f"{ms_url(org)}/{milestone['id']}"
    resp = await client.patch(
        url, json={"name": "Lot 1"}, headers={**owner.headers, "If-Match": '"1"'}
    )
    assert (await expect(resp, 200))["version"] == 2 and resp.headers["ETag"] == '"2"'
    resp = await client.patch(
        url, json={"name": "Lot 2"}, headers={**owner.headers, "If-Match": '"1"'}
    )
    assert (await expect(resp, 412))["code"] == "precondition_failed"
    # Without If-Match the last write wins.
    resp = await client.patch(url, json={"status": "on_hold"}, headers=owner.headers)
    assert (await expect(resp, 200))["version"] == 3
    bad = await client.patch(url, json={"name": "x"}, headers={**owner.headers, "If-Match": "*x"})
    assert locs(await expect(bad, 422)) == {"header.If-Match"}


async def test_two_concurrent_patches_with_the_same_if_match_give_exactly_one_412(
    client: Client,
) -> None:
    owner, org = await owner_and_org(client)
    milestone = await make_milestone(client, owner, org)
    url = f"{ms_url(org)}/{milestone['id']}"
    headers = {**owner.headers, "If-Match": '"1"'}
    first, second = await asyncio.gather(
        client.patch(url, json={"name": "Alpha"}, headers=headers),
        client.patch(url, json={"name": "Beta"}, headers=headers),
    )
    assert sorted([first.status, second.status]) == [200, 412]
    final = await get_milestone(client, owner, org, milestone)
    winner = first if first.status == 200 else second
    assert final["version"] == 2 and final["name"] == (await winner.json())["name"]


# Dependencies ---------------------------------------------------------------------------


async def test_dependencies_refuse_self_and_cycles(client: Client) -> None:
    owner, org = await owner_and_org(client)
    a, b, c = [await make_milestone(client, owner, org, name=n) for n in "ABC"]

    def dep(x: Any, y: Any) -> str:
        return f"{ms_url(org)}/{x['id']}/dependencies/{y['id']}"

    body = await expect(await client.put(dep(a, a), headers=owner.headers), 422)
    assert locs(body) == {"path.other_id"}
    after_ab = await expect(await client.put(dep(a, b), headers=owner.headers), 200)
    assert after_ab["depends_on"] == [b["id"]] and after_ab["version"] == 2
    await expect(await client.put(dep(b, c), headers=owner.headers), 200)
    cycle = await expect(await client.put(dep(c, a), headers=owner.headers), 409)
    assert cycle["details"] == {"cycle": [c["id"], a["id"], b["id"], c["id"]]}
    # A repeat is a no-op, not a new version.
    again = await expect(await client.put(dep(a, b), headers=owner.headers), 200)
    assert again["version"] == 2
    removed = await expect(await client.delete(dep(b, c), headers=owner.headers), 200)
    assert removed["depends_on"] == []
    await expect(await client.delete(dep(b, c), headers=owner.headers), 404)
    # With B -> C gone, C -> A closes no cycle.
    await expect(await client.put(dep(c, a), headers=owner.headers), 200)


async def test_concurrent_edges_cannot_close_a_cycle_together(client: Client) -> None:
    owner, org = await owner_and_org(client)
    a, b = await make_milestone(client, owner, org), await make_milestone(client, owner, org)
    first, second = await asyncio.gather(
        client.put(f"{ms_url(org)}/{a['id']}/dependencies/{b['id']}", headers=owner.headers),
        client.put(f"{ms_url(org)}/{b['id']}/dependencies/{a['id']}", headers=owner.headers),
    )
    assert sorted([first.status, second.status]) == [200, 409]


# Assigned people ------------------------------------------------------------------------


async def test_members_are_assigned_once_and_outsiders_are_refused(client: Client) -> None:
    owner, org = await owner_and_org(client)
    consultant = await add_member(client, owner, org["id"], "CONSULTANT")
    outsider = await register(client)
    milestone = await make_milestone(client, owner, org)
    url = f"{ms_url(org)}/{milestone['id']}/assignments"
    body = {"profile_id": str(consultant.id), "role": "référent"}
    created = await expect(await client.post(url, json=body, headers=owner.headers), 201)
    assert (created["profile_id"], created["role"]) == (str(consultant.id), "référent")
    again = await expect(await client.post(url, json=body, headers=owner.headers), 200)
    assert again["id"] == created["id"]
    refused = await client.post(url, json={"profile_id": str(outsider.id)}, headers=owner.headers)
    assert locs(await expect(refused, 422)) == {"body.profile_id"}
    await expect(await client.post(url, json=body, headers=consultant.headers), 403)
    page = await expect(await client.get(url, headers=consultant.headers), 200)
    assert [a["profile_id"] for a in page["items"]] == [str(consultant.id)]
    assert (await client.delete(f"{url}/{consultant.id}", headers=owner.headers)).status == 204
    await expect(await client.delete(f"{url}/{consultant.id}", headers=owner.headers), 404)
