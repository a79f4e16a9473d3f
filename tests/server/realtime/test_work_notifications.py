"""Notifications about project work, seen on real sockets: tasks assigned and completed,
milestones reached, project status changes. Each goes to the right people once, never
to whoever acted, never to someone who cannot read the resource, through REST or socket.

Negative checks use a later positive notification to the same person as a barrier: the
server pushes in commit order, so once the later one arrived an earlier one would have.
"""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestServer

from tests.factories import Client
from tests.server.realtime.chatkit import settle
from tests.server.realtime.workkit import make_team, notes, wait_notes
from tests.sio import connected


def _ok(ack: Any) -> Any:
    assert ack["ok"], ack
    return ack["data"]


async def test_assigning_a_task_notifies_the_new_assignee_once_on_every_socket(
    server: TestServer, http: Client
) -> None:
    team = await make_team(http)
    org_id = team.org["id"]
    phone = await connected(server, team.dev.access_token)
    laptop = await connected(server, team.dev.access_token)
    lead = await connected(server, team.lead.access_token)
    try:
        task = await team.task(team.manager, profile_responsable_id=str(team.dev.id))
        for peer in (phone, laptop):
            (new,) = await wait_notes(peer, "TASK_ASSIGNED", 1)
            assert new["unread_count"] == 1
            assert new["notification"]["metadata"]["task_id"] == task["id"]
            assert new["notification"]["organization_id"] == org_id
        # Same assignee again, or another field: nothing.
        await team.patch_task(team.manager, task, profile_responsable_id=str(team.dev.id))
        await team.patch_task(team.manager, task, nom="Maquettes v2")
        # The lead assigns a task to themselves over the socket: nothing.
        mine = {"nom": "Relecture", "profile_responsable_id": str(team.lead.id)}
        create = {"organization_id": org_id, "projet_id": team.project["id"], "task": mine}
        _ok(await lead.call("task:create", create))
        # The dev hands the first task to the lead over the socket: the lead hears it.
        update = {
            "organization_id": org_id,
            "task_id": task["id"],
            "changes": {"profile_responsable_id": str(team.lead.id)},
        }
        _ok(await phone.call("task:update", update))
        (handed,) = await wait_notes(lead, "TASK_ASSIGNED", 1)
        assert handed["notification"]["metadata"]["task_id"] == task["id"]
        assert handed["unread_count"] == 1
        # And back to the dev through REST: their second, with the exact count.
        await team.patch_task(team.manager, task, profile_responsable_id=str(team.dev.id))
        news = await wait_notes(laptop, "TASK_ASSIGNED", 2)
        assert [n["unread_count"] for n in news] == [1, 2]
        # A member who cannot read the project (a CLIENT of another client) is not told.
        await team.task(team.manager, profile_responsable_id=str(team.outsider.id))
        await settle()
        assert await team.stored(team.outsider, "TASK_ASSIGNED") == []
        assert len(notes(lead, "TASK_ASSIGNED")) == 1
        assert len(notes(phone, "TASK_ASSIGNED")) == len(notes(laptop, "TASK_ASSIGNED")) == 2
    finally:
        for peer in (phone, laptop, lead):
            await peer.close()


async def test_a_task_entering_done_notifies_the_project_lead_once(
    server: TestServer, http: Client
) -> None:
    team = await make_team(http)
    org_id = team.org["id"]
    lead = await connected(server, team.lead.access_token)
    dev = await connected(server, team.dev.access_token)
    try:
        task = await team.task(team.manager)
        await team.call("POST", f"/tasks/{task['id']}/move", team.manager, body={"statut": "DONE"})
        (done,) = await wait_notes(lead, "TASK_COMPLETED", 1)
        assert done["notification"]["metadata"]["task_id"] == task["id"]
        assert done["unread_count"] == 1
        # DONE -> DONE: an edit, the same status again, a move within the column.
        await team.patch_task(team.manager, task, nom="Maquettes finales")
        await team.patch_task(team.manager, task, statut="DONE")
        other = await team.task(team.manager, statut="DONE")
        move = {"organization_id": org_id, "task_id": task["id"], "move": {"statut": "DONE"}}
        _ok(await dev.call("task:move", {**move, "move": {"statut": "DONE", "after_id": None}}))
        # Out of DONE and back in, over the socket: a second notification.
        back = {"organization_id": org_id, "task_id": task["id"], "changes": {"statut": "TODO"}}
        _ok(await dev.call("task:update", back))
        _ok(await dev.call("task:move", move))
        news = await wait_notes(lead, "TASK_COMPLETED", 3)
        ids = [n["notification"]["metadata"]["task_id"] for n in news]
        assert ids == [task["id"], other["id"], task["id"]]
        assert [n["unread_count"] for n in news] == [1, 2, 3]
        # The lead completing a task themselves: nothing (the next one is the barrier).
        mine = await team.task(team.lead)
        await team.patch_task(team.lead, mine, statut="DONE")
        last = await team.task(team.dev, statut="DONE")
        news = await wait_notes(lead, "TASK_COMPLETED", 4)
        assert news[-1]["notification"]["metadata"]["task_id"] == last["id"]
        # A lead who can no longer read the project (now a CLIENT member) is not told.
        await team.http.patch(
            f"{team.base}/members/{team.lead.id}",
            json={"role": "CLIENT"},
            headers=team.owner.headers,
        )
        await team.task(team.manager, statut="DONE")
        await settle()
        assert len(await team.stored(team.lead, "TASK_COMPLETED")) == 4
        assert len(notes(lead, "TASK_COMPLETED")) == 4
    finally:
        await lead.close()
        await dev.close()


async def test_a_milestone_reached_notifies_its_assignees_and_the_lead_once_per_transition(
    server: TestServer, http: Client
) -> None:
    team = await make_team(http)
    org_id = team.org["id"]
    body = {
        "name": "Recette",
        "projet_id": team.project["id"],
        "start_date": "2026-03-02",
        "due_date": "2026-03-27",
    }
    milestone = await team.call("POST", "/milestones", team.manager, 201, body)
    ms = f"/milestones/{milestone['id']}"
    for person in (team.dev, team.manager, team.outsider):
        await team.call(
            "POST", f"{ms}/assignments", team.manager, 201, {"profile_id": str(person.id)}
        )
    task = await team.task(team.manager)
    await team.call("PUT", f"{ms}/tasks/{task['id']}", team.manager, body={"weight": 1})
    lead = await connected(server, team.lead.access_token)
    dev = await connected(server, team.dev.access_token)
    manager = await connected(server, team.manager.access_token)
    try:
        # Automatic progress reaches 100 % when the manager finishes the linked task.
        await team.patch_task(team.manager, task, statut="DONE")
        for peer in (lead, dev):
            (reached,) = await wait_notes(peer, "MILESTONE_REACHED", 1)
            assert reached["notification"]["metadata"]["milestone_id"] == milestone["id"]
        # An edit of a reached milestone: nothing.
        await team.call("PATCH", ms, team.manager, body={"description": "Recette client"})
        # It falls back below 100 and is reached again, this time by the dev's socket.
        for statut in ("IN_REVIEW", "DONE"):
            change = {
                "organization_id": org_id,
                "task_id": task["id"],
                "changes": {"statut": statut},
            }
            _ok(await dev.call("task:update", change))
        assert len(await wait_notes(lead, "MILESTONE_REACHED", 2)) == 2
        (told,) = await wait_notes(manager, "MILESTONE_REACHED", 1)  # not the first time: actor
        assert told["notification"]["metadata"]["milestone_id"] == milestone["id"]
        assert len(await team.stored(team.dev, "MILESTONE_REACHED")) == 1  # not when the actor
        assert await team.stored(team.outsider, "MILESTONE_REACHED") == []  # cannot read it
        # Manual mode, over the socket: 100 % is reached; completing it as well is not
        # reached again; below 100 and not completed, then completed, is.
        update = {"organization_id": org_id, "milestone_id": milestone["id"]}
        steps: list[dict[str, Any]] = [
            {"progress_mode": "manual", "progress_percentage": 40, "status": "in_progress"},
            {"progress_percentage": 100},
            {"status": "completed"},
            {"progress_percentage": 40, "status": "in_progress"},
        ]
        for changes in steps:
            out = _ok(await manager.call("milestone:update", {**update, "changes": changes}))
        last = {**update, "expected_version": out["version"], "changes": {"status": "completed"}}
        _ok(await manager.call("milestone:update", last))
        news = await wait_notes(dev, "MILESTONE_REACHED", 3)
        assert len(await wait_notes(lead, "MILESTONE_REACHED", 4)) == 4
        await settle()
        assert len(notes(dev, "MILESTONE_REACHED")) == 3
        assert len(notes(lead, "MILESTONE_REACHED")) == 4
        assert news[-1]["unread_count"] == len(await team.stored(team.dev, "MILESTONE_REACHED"))
        assert await team.stored(team.outsider, "MILESTONE_REACHED") == []
    finally:
        for peer in (lead, dev, manager):
            await peer.close()


async def test_a_project_status_change_notifies_its_lead_staff_and_client_contact(
    server: TestServer, http: Client
) -> None:
    team = await make_team(http)
    await team.staff(team.manager)
    await team.staff(team.outsider)  # staffed, yet a CLIENT member who cannot read it
    bystander = await connected(server, team.owner.access_token)
    peers = [await connected(server, u.access_token) for u in (team.lead, team.dev, team.contact)]
    project = f"/projects/{team.project['id']}"
    try:
        await team.call("PATCH", project, team.manager, body={"statut": "SUSPENDU"})
        for peer in peers:
            (new,) = await wait_notes(peer, "PROJECT_UPDATE", 1)
            meta = new["notification"]["metadata"]
            assert (meta["from"], meta["to"]) == ("ACTIF", "SUSPENDU")
            assert meta["projet_id"] == team.project["id"] and new["unread_count"] == 1
        await team.call("PATCH", project, team.manager, body={"nom": "Refonte"})
        await team.call("PATCH", project, team.manager, body={"statut": "ACTIF"})
        for peer in peers:
            news = await wait_notes(peer, "PROJECT_UPDATE", 2)
            assert [n["notification"]["metadata"]["to"] for n in news] == ["SUSPENDU", "ACTIF"]
        await settle()
        for peer in peers:
            assert len(notes(peer, "PROJECT_UPDATE")) == 2
        assert notes(bystander, "PROJECT_UPDATE") == []
        for nobody in (team.manager, team.outsider, team.owner):
            assert await team.stored(nobody, "PROJECT_UPDATE") == []
    finally:
        for peer in [bystander, *peers]:
            await peer.close()
