"""The Kanban board through HTTP: order after a series of moves, move validation,
concurrent moves, and rebalancing when keys run out."""

from __future__ import annotations

import asyncio
import random
import uuid
from typing import Any

import pytest

from protocol.tasks import TaskOut
from server.bus import Emit
from store import tasks as task_store
from store.db import create_engine, create_session_factory
from tests.factories import (
    Client,
    User,
    create_org,
    expect,
    read_activity,
    record_effects,
    register,
)
from tests.server.rest.projectkit import (
    board,
    locs,
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


def _assert_consistent(columns: dict[str, list[Any]], expected_ids: set[str]) -> None:
    """Every task exactly once, positions 0..n-1 in each column."""
    seen = [t["id"] for tasks in columns.values() for t in tasks]
    assert sorted(seen) == sorted(expected_ids)
    for statut, tasks in columns.items():
        assert [t["position"] for t in tasks] == list(range(len(tasks)))
        assert {t["statut"] for t in tasks} <= {statut}


async def test_the_board_shows_each_task_as_the_task_itself_reads(client: Client) -> None:
    """The board is built as JSON without the model (services/projects/tasks.py
    `task_json`): every field, its order and its format match `TaskOut`'s own dump."""
    owner, org, project = await _setup(client)
    url = f"{org_url(org)}/projects/{project['id']}/deliverables"
    deliverable = await expect(
        await client.post(url, json={"nom": "Livrable"}, headers=owner.headers), 201
    )
    full = await make_task(
        client,
        owner,
        org,
        project,
        statut="IN_REVIEW",
        priority="high",
        tags=["qa", "client"],
        color="#12abEF",
        charge_estimee_jh=2.5,
        date_fin_cible="2026-03-01",
        description="Tout",
        profile_responsable_id=str(owner.id),
        livrable_id=deliverable["id"],
    )
    bare = await make_task(client, owner, org, project)
    url = f"{org_url(org)}/projects/{project['id']}/board"
    body = await expect(await client.get(url, headers=owner.headers), 200)
    assert list(body) == ["projet_id", "columns"] and body["projet_id"] == project["id"]
    assert [c["statut"] for c in body["columns"]] == ["TODO", "IN_PROGRESS", "IN_REVIEW", "DONE"]
    assert [list(c) for c in body["columns"]] == [["statut", "tasks"]] * 4
    shown = {t["id"]: t for c in body["columns"] for t in c["tasks"]}
    for task in (full, bare):
        got = await expect(await client.get(task_url(org, task), headers=owner.headers), 200)
        assert shown[task["id"]] == got == task
        assert list(got) == list(TaskOut.model_fields)
        assert TaskOut.model_validate(got).model_dump(mode="json") == got


async def test_the_board_follows_a_series_of_moves(
    client: Client, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner, org, project = await _setup(client)
    t = {n: await make_task(client, owner, org, project, nom=n) for n in "ABCDE"}
    effects = record_effects(monkeypatch)

    async def moved(name: str, statut: str, **anchors: str) -> Any:
        kwargs = {k: t[v] for k, v in anchors.items()}
        return await expect(await move(client, owner, org, t[name], statut, **kwargs), 200)

    assert (await moved("E", "TODO", before="A"))["position"] == 0  # E A B C D
    await moved("B", "IN_PROGRESS")  # E A C D | B
    await moved("C", "TODO", after="E")  # E C A D | B
    await moved("D", "IN_PROGRESS", before="B")  # E C A | D B
    await moved("A", "TODO")  # already last: nothing changes
    await moved("E", "TODO", after="A")  # C A E | D B
    last = await moved("A", "DONE")  # C E | D B | | A
    assert (last["statut"], last["position"], last["version"]) == ("DONE", 0, 2)
    await moved("C", "IN_PROGRESS", after="D", before="B")  # E | D C B | | A
    columns = await board(client, owner, org, project)
    assert list(columns) == ["TODO", "IN_PROGRESS", "IN_REVIEW", "DONE"]
    assert {s: _names(ts) for s, ts in columns.items()} == {
        "TODO": ["E"],
        "IN_PROGRESS": ["D", "C", "B"],
        "IN_REVIEW": [],
        "DONE": ["A"],
    }
    _assert_consistent(columns, {x["id"] for x in t.values()})
    page = await expect(
        await client.get(f"{org_url(org)}/projects/{project['id']}/tasks", headers=owner.headers),
        200,
    )
    assert _names(page["items"]) == ["E", "D", "C", "B", "A"]
    got = await expect(await client.get(task_url(org, t["C"]), headers=owner.headers), 200)
    assert (got["statut"], got["position"]) == ("IN_PROGRESS", 1)
    updates = [e for e in effects if isinstance(e, Emit) and e.event == "task:updated"]
    assert len(updates) == 7  # the no-op move announced nothing
    entries = await read_activity(database_url, org["id"], resource_id=uuid.UUID(t["A"]["id"]))
    assert entries[0].action == "TASK_MOVED"
    assert entries[0].metadata_["changes"] == {
        "statut": {"from": "TODO", "to": "DONE"},
        "position": {"from": 1, "to": 0},
    }


async def test_move_neighbours_must_be_other_tasks_of_the_target_column(client: Client) -> None:
    owner, org, project = await _setup(client)
    a, b, c = [await make_task(client, owner, org, project) for _ in range(3)]
    done = await make_task(client, owner, org, project, statut="DONE")
    elsewhere = await make_task(client, owner, org, await make_project(client, owner, org))

    async def problem(task: Any, statut: str, **anchors: Any) -> set[str]:
        return locs(await expect(await move(client, owner, org, task, statut, **anchors), 422))

    assert await problem(a, "TODO", after=done) == {"body.after_id"}
    assert await problem(a, "DONE", before=b) == {"body.before_id"}
    assert await problem(a, "TODO", after=a) == {"body.after_id"}
    assert await problem(a, "TODO", after=elsewhere, before={"id": str(uuid.uuid4())}) == {
        "body.after_id",
        "body.before_id",
    }
    assert await problem(a, "TODO", after=c, before=b) == {"body.before_id"}
    resp = await client.post(
        f"{task_url(org, a)}/move", json={"statut": "LATER"}, headers=owner.headers
    )
    assert locs(await expect(resp, 422)) == {"body.statut"}


async def test_two_concurrent_moves_into_one_gap_leave_a_consistent_order(
    client: Client,
) -> None:
    owner, org, project = await _setup(client)
    a, b, x, y = [await make_task(client, owner, org, project, nom=n) for n in "ABXY"]
    first, second = await asyncio.gather(
        move(client, owner, org, x, "TODO", after=a, before=b),
        move(client, owner, org, y, "TODO", after=a, before=b),
    )
    assert (first.status, second.status) == (200, 200)
    columns = await board(client, owner, org, project)
    _assert_consistent(columns, {a["id"], b["id"], x["id"], y["id"]})
    order = _names(columns["TODO"])
    assert order[0] == "A" and order[-1] == "B" and set(order[1:3]) == {"X", "Y"}


async def test_many_concurrent_moves_leave_every_task_once_in_a_total_order(
    client: Client,
) -> None:
    owner, org, project = await _setup(client)
    tasks = [await make_task(client, owner, org, project, nom=f"T{i}") for i in range(8)]
    rng = random.Random(4)
    calls = []
    for task in tasks:
        statut = rng.choice(["TODO", "IN_PROGRESS"])
        anchor = rng.choice(tasks[:2])
        anchors = {"after": anchor} if anchor is not task and statut == "TODO" else {}
        calls.append(move(client, owner, org, task, statut, **anchors))
    responses = await asyncio.gather(*calls)
    # A move whose anchor itself moved away meanwhile is refused; nothing else fails.
    assert {r.status for r in responses} <= {200, 422}
    _assert_consistent(await board(client, owner, org, project), {t["id"] for t in tasks})


async def test_a_crowded_gap_or_tied_ranks_rebalance_the_column(
    client: Client, database_url: str
) -> None:
    owner, org, project = await _setup(client)
    a, b, c, d = [await make_task(client, owner, org, project, nom=n) for n in "ABCD"]
    org_id = uuid.UUID(org["id"])
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            # A and B as close as 48 characters allow; C and D tied.
            await task_store.set_ranks(
                session,
                org_id=org_id,
                ranks=[
                    (uuid.UUID(a["id"]), "U" + "z" * 47),
                    (uuid.UUID(b["id"]), "V"),
                    (uuid.UUID(c["id"]), "X"),
                    (uuid.UUID(d["id"]), "X"),
                ],
            )
        assert _names((await board(client, owner, org, project))["TODO"])[:2] == ["A", "B"]
        e = await make_task(client, owner, org, project, nom="E")
        await expect(await move(client, owner, org, e, "TODO", after=a, before=b), 200)
        low, high = sorted([c, d], key=lambda t: t["id"])
        await expect(await move(client, owner, org, a, "TODO", after=low, before=high), 200)
        columns = await board(client, owner, org, project)
        names = {t["id"]: t["nom"] for t in (a, b, c, d, e)}
        assert _names(columns["TODO"]) == ["E", "B", names[low["id"]], "A", names[high["id"]]]
        async with create_session_factory(engine)() as session:
            rows = await task_store.board_tasks(
                session, org_id=org_id, project_id=uuid.UUID(project["id"])
            )
            assert max(len(t.rank) for t in rows) <= 4
    finally:
        await engine.dispose()
