"""Time entries over HTTP: the rules of logging, the approval workflow, lists and
idempotent creation."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

from tests.factories import Client, User, add_member, create_org, expect, read_activity, register
from tests.server.rest.projectkit import locs, make_project, make_task
from tests.server.rest.timekit import TODAY, day, make_firm

# Logging rules -----------------------------------------------------------------------------


async def test_an_entry_is_logged_for_oneself_pending_with_exact_hours(client: Client) -> None:
    firm = await make_firm(client)
    task = await make_task(client, firm.owner, firm.org, firm.project)
    made = await firm.log(firm.dev, day(0), 7.5, tache_id=task["id"], description="Revue de code")
    assert (made["profile_id"], made["validation_statut"], made["heures_travaillees"]) == (
        str(firm.dev.id),
        "EN_ATTENTE",
        "7.50",
    )
    assert (made["tache_id"], made["motif_rejet"], made["validated_by"]) == (
        task["id"],
        None,
        None,
    )
    # Today is not the future; 24 h is allowed, as is a string amount.
    await firm.log(firm.dev, TODAY.isoformat(), "24")
    assert [e["id"] for e in await firm.entries(firm.dev)][-1] == made["id"]


async def test_hours_must_be_positive_at_most_24_with_two_decimals(client: Client) -> None:
    firm = await make_firm(client)
    for hours in [0, -1, 24.01, "7.125", "beaucoup"]:
        body = await firm.log(firm.dev, day(0), hours, status=422)
        assert locs(body) == {"body.heures_travaillees"}, hours
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    body = await firm.log(firm.dev, tomorrow, 1, status=422)
    assert locs(body) == {"body.date"}


async def test_a_persons_entries_of_one_date_add_up_to_at_most_24_hours(client: Client) -> None:
    firm = await make_firm(client)
    other = await make_project(client, firm.owner, firm.org)
    await firm.log(firm.dev, day(1), 20)
    first = await firm.log(firm.dev, day(1), 3.5, projet_id=other["id"])
    problem = await firm.log(firm.dev, day(1), 0.75, status=409)
    assert day(1) in problem["detail"]
    assert problem["details"] == {
        "date": day(1),
        "logged_hours": "23.50",
        "requested_hours": "0.75",
    }
    await firm.log(firm.dev, day(1), 0.5)  # exactly 24
    await firm.log(firm.dev, day(2), 24)  # another date
    await firm.log(firm.manager, day(1), 8)  # another person
    # A correction is checked too, without counting the entry's own old hours.
    url = f"{firm.url}/{first['id']}"
    resp = await client.patch(url, json={"heures_travaillees": 4}, headers=firm.dev.headers)
    await expect(resp, 409)
    resp = await client.patch(url, json={"heures_travaillees": 3}, headers=firm.dev.headers)
    assert (await expect(resp, 200))["heures_travaillees"] == "3.00"
    moved = await client.patch(url, json={"date": day(2)}, headers=firm.dev.headers)
    await expect(moved, 409)


async def test_the_project_and_task_must_belong_to_the_organization(client: Client) -> None:
    firm = await make_firm(client)
    other_owner = await register(client)
    other_org = await create_org(client, other_owner)
    foreign = await make_project(client, other_owner, other_org)
    sibling = await make_project(client, firm.owner, firm.org)
    stray = await make_task(client, firm.owner, firm.org, sibling)
    body = await firm.log(
        firm.dev, day(0), 1, status=422, projet_id=foreign["id"], tache_id=stray["id"]
    )
    assert locs(body) == {"body.projet_id", "body.tache_id"}
    body = await firm.log(firm.dev, day(0), 1, status=422, tache_id=stray["id"])
    assert locs(body) == {"body.tache_id"}
    made = await firm.log(firm.dev, day(0), 1, tache_id=stray["id"], projet_id=sibling["id"])
    # Moving the entry to another project needs a task of that project (or none).
    url = f"{firm.url}/{made['id']}"
    moved = await client.patch(
        url, json={"projet_id": firm.project["id"]}, headers=firm.dev.headers
    )
    assert locs(await expect(moved, 422)) == {"body.tache_id"}
    moved = await client.patch(
        url, json={"projet_id": firm.project["id"], "tache_id": None}, headers=firm.dev.headers
    )
    assert (await expect(moved, 200))["projet_id"] == firm.project["id"]


async def test_consultants_log_only_for_themselves_and_managers_for_any_member(
    client: Client,
) -> None:
    firm = await make_firm(client)
    member = await add_member(client, firm.owner, firm.org["id"], "MEMBER")
    contact = await add_member(client, firm.owner, firm.org["id"], "CLIENT")
    await firm.log(firm.dev, day(0), 1, status=403, profile_id=str(member.id))
    await firm.log(member, day(0), 1, status=403, profile_id=str(firm.dev.id))
    await firm.log(firm.dev, day(0), 1, profile_id=str(firm.dev.id))
    made = await firm.log(firm.manager, day(0), 2, profile_id=str(firm.dev.id))
    assert made["profile_id"] == str(firm.dev.id)
    for who in (contact, await register(client)):
        body = await firm.log(firm.manager, day(0), 1, status=422, profile_id=str(who.id))
        assert locs(body) == {"body.profile_id"}
    # A CLIENT contact neither logs nor reads time.
    await firm.log(contact, day(0), 1, status=403)
    await expect(await client.get(firm.url, headers=contact.headers), 403)


# Approval workflow ---------------------------------------------------------------------


async def test_validated_entries_are_locked_until_an_admin_reopens_them(
    client: Client, database_url: str
) -> None:
    firm = await make_firm(client)
    entry = await firm.log(firm.dev, day(0), 6)
    url = f"{firm.url}/{entry['id']}"
    await firm.decide(firm.dev, [entry["id"]], "VALIDE", status=403)
    (validated,) = (await firm.decide(firm.manager, [entry["id"]], "VALIDE"))["items"]
    assert (validated["validation_statut"], validated["validated_by"]) == (
        "VALIDE",
        str(firm.manager.id),
    )
    assert validated["validated_at"] is not None
    for user in (firm.dev, firm.manager, firm.admin):
        resp = await client.patch(url, json={"description": "x"}, headers=user.headers)
        await expect(resp, 409)
        await expect(await client.delete(url, headers=user.headers), 409)
    await expect(await client.post(f"{url}/reopen", headers=firm.manager.headers), 403)
    reopened = await expect(await client.post(f"{url}/reopen", headers=firm.admin.headers), 200)
    assert (reopened["validation_statut"], reopened["validated_by"]) == ("EN_ATTENTE", None)
    await expect(await client.post(f"{url}/reopen", headers=firm.admin.headers), 409)
    fixed = await client.patch(url, json={"heures_travaillees": 5}, headers=firm.dev.headers)
    assert (await expect(fixed, 200))["heures_travaillees"] == "5.00"
    rows = await read_activity(database_url, firm.org["id"], resource_type="time_entry")
    assert [r.action for r in rows] == [
        "TIME_ENTRY_UPDATED",
        "TIME_ENTRY_REOPENED",
        "TIME_ENTRY_VALIDATED",
        "TIME_ENTRY_CREATED",
    ]
    assert rows[1].user_id == firm.admin.id
    assert rows[1].metadata_["validated_by"] == str(firm.manager.id)


async def test_a_rejected_entry_is_corrected_by_its_owner_and_resubmitted(
    client: Client, database_url: str
) -> None:
    firm = await make_firm(client)
    entry = await firm.log(firm.dev, day(0), 9)
    url = f"{firm.url}/{entry['id']}"
    (rejected,) = (
        await firm.decide(firm.manager, [entry["id"]], "REJETE", motif="9 h un dimanche ?")
    )["items"]
    assert (rejected["validation_statut"], rejected["motif_rejet"]) == (
        "REJETE",
        "9 h un dimanche ?",
    )
    # Only its owner corrects it; a manager may not, nor decide on it again.
    resp = await client.patch(url, json={"heures_travaillees": 7}, headers=firm.manager.headers)
    await expect(resp, 403)
    await expect(await client.delete(url, headers=firm.manager.headers), 403)
    await firm.decide(firm.manager, [entry["id"]], "VALIDE", status=409)
    fixed = await expect(
        await client.patch(url, json={"heures_travaillees": 7}, headers=firm.dev.headers), 200
    )
    assert (fixed["validation_statut"], fixed["motif_rejet"], fixed["validated_by"]) == (
        "EN_ATTENTE",
        None,
        None,
    )
    (validated,) = (await firm.decide(firm.manager, [entry["id"]], "VALIDE"))["items"]
    assert validated["heures_travaillees"] == "7.00"
    rows = await read_activity(database_url, firm.org["id"], resource_type="time_entry")
    assert [r.action for r in rows] == [
        "TIME_ENTRY_VALIDATED",
        "TIME_ENTRY_UPDATED",
        "TIME_ENTRY_REJECTED",
        "TIME_ENTRY_CREATED",
    ]
    assert rows[1].metadata_["resubmitted"] is True
    assert rows[2].metadata_["motif"] == "9 h un dimanche ?"


async def test_pending_entries_are_changed_by_owner_or_manager_and_deleted(client: Client) -> None:
    firm = await make_firm(client)
    colleague = await add_member(client, firm.owner, firm.org["id"], "CONSULTANT")
    entry = await firm.log(firm.dev, day(0), 4)
    url = f"{firm.url}/{entry['id']}"
    await expect(await client.patch(url, json={"description": "x"}, headers=colleague.headers), 403)
    await expect(await client.delete(url, headers=colleague.headers), 403)
    edited = await client.patch(url, json={"description": "Atelier"}, headers=firm.manager.headers)
    assert (await expect(edited, 200))["description"] == "Atelier"
    assert (await client.delete(url, headers=firm.dev.headers)).status == 204
    await expect(await client.delete(url, headers=firm.dev.headers), 404)


async def test_a_decision_is_all_or_nothing(client: Client) -> None:
    firm = await make_firm(client)
    a = await firm.log(firm.dev, day(0), 1)
    b = await firm.log(firm.dev, day(1), 1)
    c = await firm.log(firm.dev, day(2), 1)
    await firm.decide(firm.manager, [b["id"]], "VALIDE")
    problem = await firm.decide(firm.manager, [a["id"], b["id"], c["id"]], "REJETE", status=409)
    assert problem["details"] == {"not_pending": [{"id": b["id"], "validation_statut": "VALIDE"}]}
    statuses = {e["id"]: e["validation_statut"] for e in await firm.entries(firm.manager)}
    assert statuses == {a["id"]: "EN_ATTENTE", b["id"]: "VALIDE", c["id"]: "EN_ATTENTE"}
    unknown = str(uuid.uuid4())
    problem = await firm.decide(firm.manager, [a["id"], unknown], "VALIDE", status=422)
    assert locs(problem) == {"body.ids.1"}
    problem = await firm.decide(firm.manager, [a["id"]], "EN_ATTENTE", status=422)
    assert locs(problem) == {"body.decision"}
    await firm.decide(firm.manager, [], "VALIDE", status=422)
    done = await firm.decide(firm.manager, [c["id"], a["id"], c["id"]], "VALIDE")
    assert [e["id"] for e in done["items"]] == [c["id"], a["id"]]


async def test_each_consultant_is_notified_once_per_decision(client: Client) -> None:
    firm = await make_firm(client)
    colleague = await add_member(client, firm.owner, firm.org["id"], "CONSULTANT")
    mine = [(await firm.log(firm.dev, day(i), 2))["id"] for i in range(3)]
    theirs = (await firm.log(colleague, day(0), 1.25))["id"]
    await firm.decide(firm.manager, [*mine, theirs], "REJETE", motif="Projet erroné")

    async def notifications(user: User) -> list[Any]:
        url = f"/api/v1/notifications?organization_id={firm.org['id']}&unread_only=true"
        return list((await expect(await client.get(url, headers=user.headers), 200))["items"])

    (note,) = await notifications(firm.dev)
    assert (note["type"], note["message"]) == ("TIME_REJECTED", "Projet erroné")
    assert sorted(note["metadata"]["entry_ids"]) == sorted(mine)
    assert note["metadata"]["heures"] == "6.00"
    (note,) = await notifications(colleague)
    assert note["metadata"]["entry_ids"] == [theirs]
    assert await notifications(firm.manager) == []
    for entry_id in mine:
        await client.patch(f"{firm.url}/{entry_id}", json={}, headers=firm.dev.headers)
    await firm.decide(firm.manager, mine, "VALIDE")
    types = [n["type"] for n in await notifications(firm.dev)]
    assert sorted(types) == ["TIME_REJECTED", "TIME_VALIDATED"]


# Listing ---------------------------------------------------------------------------------


async def test_lists_are_filtered_paged_and_scoped_to_ones_own_time(client: Client) -> None:
    firm = await make_firm(client)
    other = await make_project(client, firm.owner, firm.org)
    mine = [await firm.log(firm.dev, day(i), 1) for i in range(4)]
    theirs = await firm.log(firm.manager, day(0), 2, projet_id=other["id"])
    await firm.decide(firm.manager, [mine[0]["id"]], "VALIDE")
    assert [e["id"] for e in await firm.entries(firm.dev)] == [e["id"] for e in reversed(mine)]
    await expect(
        await client.get(f"{firm.url}?profile_id={firm.manager.id}", headers=firm.dev.headers),
        403,
    )
    everyone = await firm.entries(firm.manager)
    assert len(everyone) == 5
    assert [e["id"] for e in await firm.entries(firm.manager, f"&projet_id={other['id']}")] == [
        theirs["id"]
    ]
    ranged = await firm.entries(
        firm.manager, f"&profile_id={firm.dev.id}&from={day(1)}&to={day(2)}"
    )
    assert [e["id"] for e in ranged] == [mine[2]["id"], mine[1]["id"]]
    valid = await firm.entries(firm.dev, "&validation_statut=VALIDE")
    assert [e["id"] for e in valid] == [mine[0]["id"]]
    page = await expect(await client.get(f"{firm.url}?limit=2", headers=firm.dev.headers), 200)
    rest = await expect(
        await client.get(
            f"{firm.url}?limit=2&cursor={page['next_cursor']}", headers=firm.dev.headers
        ),
        200,
    )
    assert [e["id"] for e in page["items"] + rest["items"]] == [e["id"] for e in reversed(mine)]
    backwards = await client.get(f"{firm.url}?from={day(3)}&to={day(1)}", headers=firm.dev.headers)
    assert locs(await expect(backwards, 422)) == {"query.to"}


# Idempotency ------------------------------------------------------------------------------


async def _keys(database_url: str, org_id: Any) -> int:
    from sqlalchemy import func, select

    from store.db import create_engine, create_session_factory
    from store.models import IdempotencyKey

    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            stmt = select(func.count()).where(IdempotencyKey.organization_id == uuid.UUID(org_id))
            return int(await session.scalar(stmt) or 0)
    finally:
        await engine.dispose()


async def test_a_retry_with_the_same_key_returns_the_first_answer(
    client: Client, database_url: str
) -> None:
    firm = await make_firm(client)
    body = {"projet_id": firm.project["id"], "date": day(0), "heures_travaillees": 3}
    key = {"Idempotency-Key": "saisie-42", **firm.dev.headers}
    first = await client.post(firm.url, json=body, headers=key)
    created = await expect(first, 201)
    # Same body spelled differently: the same request.
    again = await client.post(firm.url, json={**body, "heures_travaillees": "3.00"}, headers=key)
    assert await expect(again, 201) == created
    assert [e["id"] for e in await firm.entries(firm.dev)] == [created["id"]]
    changed = await client.post(firm.url, json={**body, "heures_travaillees": 4}, headers=key)
    assert "Idempotency-Key" in (await expect(changed, 409))["detail"]
    # Keys belong to a user: the same key from someone else is another key.
    theirs = await client.post(
        firm.url, json=body, headers={"Idempotency-Key": "saisie-42", **firm.manager.headers}
    )
    assert (await expect(theirs, 201))["id"] != created["id"]
    assert await _keys(database_url, firm.org["id"]) == 2
    # A failed request keeps no answer: fixed and retried with its key, it succeeds.
    failing = {"Idempotency-Key": "saisie-43", **firm.dev.headers}
    await expect(
        await client.post(firm.url, json={**body, "heures_travaillees": 30}, headers=failing), 422
    )
    await expect(
        await client.post(firm.url, json={**body, "heures_travaillees": 1}, headers=failing), 201
    )
    for bad in ["", "x" * 201, "clé"]:
        resp = await client.post(
            firm.url, json=body, headers={"Idempotency-Key": bad, **firm.dev.headers}
        )
        assert locs(await expect(resp, 422)) == {"header.Idempotency-Key"}, bad


async def test_concurrent_posts_with_one_key_create_one_entry(
    client: Client, database_url: str
) -> None:
    firm = await make_firm(client)
    body = {"projet_id": firm.project["id"], "date": day(0), "heures_travaillees": 2}
    headers = {"Idempotency-Key": "rafale", **firm.dev.headers}
    answers = await asyncio.gather(
        *(client.post(firm.url, json=body, headers=headers) for _ in range(5))
    )
    bodies = [await expect(resp, 201) for resp in answers]
    assert len({b["id"] for b in bodies}) == 1
    assert len(await firm.entries(firm.dev)) == 1
    assert await _keys(database_url, firm.org["id"]) == 1


async def test_an_expired_key_is_forgotten(client: Client, monkeypatch: Any) -> None:
    from server.services import idempotency

    firm = await make_firm(client)
    body = {"projet_id": firm.project["id"], "date": day(0), "heures_travaillees": 1}
    headers = {"Idempotency-Key": "vieille", **firm.dev.headers}
    first = await expect(await client.post(firm.url, json=body, headers=headers), 201)
    monkeypatch.setattr(idempotency, "KEY_TTL", timedelta(seconds=-60))  # every key is old
    second = await expect(await client.post(firm.url, json=body, headers=headers), 201)
    assert second["id"] != first["id"]
    assert len(await firm.entries(firm.dev)) == 2
