"""Milestone progress through HTTP: auto mode follows the linked tasks (status changes,
moves, deletions, weights), manual mode keeps its percentage, and changes are announced."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from server.audience import org_readers_room, project_room
from server.bus import Emit
from server.policy import Action
from tests.factories import Client, expect, record_effects
from tests.server.rest.milestonekit import (
    get_milestone,
    link_task,
    make_milestone,
    ms_url,
    owner_and_org,
    set_status,
)
from tests.server.rest.projectkit import locs, make_project, make_task


async def test_auto_progress_follows_task_status_and_completes_at_100(client: Client) -> None:
    owner, org = await owner_and_org(client)
    project = await make_project(client, owner, org)
    milestone = await make_milestone(client, owner, org, projet_id=project["id"])
    light = await make_task(client, owner, org, project, nom="Maquettes")
    heavy = await make_task(client, owner, org, project, nom="Développement")
    await link_task(client, owner, org, milestone, light, weight=1)
    linked = await link_task(client, owner, org, milestone, heavy, weight=3)
    assert linked["tasks"] == [
        {"task_id": light["id"], "weight": 1},
        {"task_id": heavy["id"], "weight": 3},
    ]
    assert linked["progress_percentage"] == 0

    await set_status(client, owner, org, light, "DONE")
    state = await get_milestone(client, owner, org, milestone)
    assert (state["progress_percentage"], state["status"]) == (25, "in_progress")
    await set_status(client, owner, org, heavy, "DONE")
    state = await get_milestone(client, owner, org, milestone)
    assert (state["progress_percentage"], state["status"]) == (100, "completed")
    await set_status(client, owner, org, light, "IN_REVIEW")
    state = await get_milestone(client, owner, org, milestone)
    assert (state["progress_percentage"], state["status"]) == (75, "in_progress")

    # A weight change recomputes; 2/3 done rounds down to 66.
    state = await link_task(client, owner, org, milestone, heavy, weight=2)
    assert state["progress_percentage"] == 66
    # Deleting the unfinished task leaves only done work.
    url = f"/api/v1/orgs/{org['id']}/tasks/{light['id']}"
    assert (await client.delete(url, headers=owner.headers)).status == 204
    state = await get_milestone(client, owner, org, milestone)
    assert (state["progress_percentage"], state["status"]) == (100, "completed")
    assert state["tasks"] == [{"task_id": heavy["id"], "weight": 2}]


async def test_progress_moves_when_a_task_is_moved_to_done(client: Client) -> None:
    owner, org = await owner_and_org(client)
    project = await make_project(client, owner, org)
    milestone = await make_milestone(client, owner, org)  # organization-level
    task = await make_task(client, owner, org, project)
    await link_task(client, owner, org, milestone, task)
    url = f"/api/v1/orgs/{org['id']}/tasks/{task['id']}/move"
    await expect(await client.post(url, json={"statut": "DONE"}, headers=owner.headers), 200)
    state = await get_milestone(client, owner, org, milestone)
    assert (state["progress_percentage"], state["status"]) == (100, "completed")


async def test_manual_mode_keeps_its_percentage(client: Client) -> None:
    owner, org = await owner_and_org(client)
    project = await make_project(client, owner, org)
    milestone = await make_milestone(
        client, owner, org, projet_id=project["id"], progress_mode="manual", progress_percentage=40
    )
    task = await make_task(client, owner, org, project)
    assert (await link_task(client, owner, org, milestone, task))["progress_percentage"] == 40
    await set_status(client, owner, org, task, "DONE")
    assert (await get_milestone(client, owner, org, milestone))["progress_percentage"] == 40
    url = f"{ms_url(org)}/{milestone['id']}"
    patched = await client.patch(url, json={"progress_percentage": 70}, headers=owner.headers)
    assert (await expect(patched, 200))["progress_percentage"] == 70
    # Back to auto: computed again from the (done) task.
    back = await client.patch(url, json={"progress_mode": "auto"}, headers=owner.headers)
    state = await expect(back, 200)
    assert (state["progress_percentage"], state["status"]) == (100, "completed")


async def test_task_links_stay_within_the_org_and_the_milestones_project(client: Client) -> None:
    owner, org = await owner_and_org(client)
    project, other = await make_project(client, owner, org), await make_project(client, owner, org)
    milestone = await make_milestone(client, owner, org, projet_id=project["id"])
    stranger = await make_task(client, owner, org, other)
    url = f"{ms_url(org)}/{milestone['id']}/tasks/{stranger['id']}"
    body = await expect(await client.put(url, json={"weight": 1}, headers=owner.headers), 422)
    assert locs(body) == {"path.task_id"}
    task = await make_task(client, owner, org, project)
    url = f"{ms_url(org)}/{milestone['id']}/tasks/{task['id']}"
    body = await expect(await client.put(url, json={"weight": 0}, headers=owner.headers), 422)
    assert locs(body) == {"body.weight"}
    await expect(await client.delete(url, headers=owner.headers), 404)
    await expect(await client.put(url, headers=owner.headers), 200)  # weight defaults to 1
    unlinked = await expect(await client.delete(url, headers=owner.headers), 200)
    assert unlinked["tasks"] == []
    other_owner, other_org = await owner_and_org(client)
    foreign = await make_task(
        client, other_owner, other_org, await make_project(client, other_owner, other_org)
    )
    url = f"{ms_url(org)}/{milestone['id']}/tasks/{foreign['id']}"
    await expect(await client.put(url, headers=owner.headers), 404)


async def test_changes_are_announced_to_the_project_or_the_roles_reading_all_projects(
    client: Client, monkeypatch: Any
) -> None:
    owner, org = await owner_and_org(client)
    project = await make_project(client, owner, org)
    effects = record_effects(monkeypatch)
    org_level = await make_milestone(client, owner, org)
    in_project = await make_milestone(client, owner, org, projet_id=project["id"])
    task = await make_task(client, owner, org, project)
    await link_task(client, owner, org, in_project, task)
    await set_status(client, owner, org, task, "DONE")
    emits = [e for e in effects if isinstance(e, Emit) and e.event.startswith("milestone:")]
    seen = [(e.event, e.room, e.data.id, e.data.version) for e in emits]
    readers = org_readers_room(uuid.UUID(org["id"]), Action.READ_ALL_PROJECTS)
    assert seen == [
        ("milestone:updated", readers, uuid.UUID(org_level["id"]), 1),
        (
            "milestone:updated",
            project_room(uuid.UUID(project["id"])),
            uuid.UUID(in_project["id"]),
            1,
        ),
        (
            "milestone:updated",
            project_room(uuid.UUID(project["id"])),
            uuid.UUID(in_project["id"]),
            2,
        ),
        (
            "milestone:updated",
            project_room(uuid.UUID(project["id"])),
            uuid.UUID(in_project["id"]),
            3,
        ),
    ]
    assert emits[-1].data.progress_percentage == 100


async def test_concurrent_status_changes_of_linked_tasks_both_count(client: Client) -> None:
    owner, org = await owner_and_org(client)
    milestone = await make_milestone(client, owner, org)  # organization-level: tasks of 2 projects
    tasks = []
    for _ in range(2):
        project = await make_project(client, owner, org)
        tasks.append(await make_task(client, owner, org, project))
        await link_task(client, owner, org, milestone, tasks[-1])
    await asyncio.gather(*(set_status(client, owner, org, task, "DONE") for task in tasks))
    state = await get_milestone(client, owner, org, milestone)
    assert (state["progress_percentage"], state["status"]) == (100, "completed")


async def test_deleting_a_project_recomputes_org_milestones_that_counted_its_tasks(
    client: Client,
) -> None:
    owner, org = await owner_and_org(client)
    milestone = await make_milestone(client, owner, org)
    done_project, open_project = (
        await make_project(client, owner, org),
        await make_project(client, owner, org),
    )
    done = await make_task(client, owner, org, done_project)
    await link_task(client, owner, org, milestone, done)
    await link_task(
        client, owner, org, milestone, await make_task(client, owner, org, open_project)
    )
    await set_status(client, owner, org, done, "DONE")
    assert (await get_milestone(client, owner, org, milestone))["progress_percentage"] == 50
    url = f"/api/v1/orgs/{org['id']}/projects/{open_project['id']}"
    assert (await client.delete(url, headers=owner.headers)).status == 204
    state = await get_milestone(client, owner, org, milestone)
    assert (state["progress_percentage"], state["status"]) == (100, "completed")
    assert state["tasks"] == [{"task_id": done["id"], "weight": 1}]
