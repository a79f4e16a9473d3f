"""Notifications about project work: a task assigned or completed, a milestone reached,
a project's status changed.

The services call these inside the transaction of the change, so the notification is
stored with it (or not at all) and pushed after commit (`notifications.notify`). Nobody
is notified of what they did themselves, and only members who can still read the
resource are (`policy`). Who gets what is listed in docs/realtime.md.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from protocol.enums import MilestoneStatus, NotificationType, TaskStatus
from store import milestones as milestone_store
from store import projects, staffing
from store.models import Milestone, Projet, Tache

from ...policy import Member, can_read_milestone, can_read_project
from ..core import Services, Tx
from ..notifications import Notice, display_name, notify_readers

Reader = Callable[[Member], Awaitable[bool]]


@dataclass(frozen=True)
class TaskState:
    """What a task's notifications depend on, taken before a write changes the row."""

    assignee: uuid.UUID | None
    statut: str


def task_state(task: Tache) -> TaskState:
    return TaskState(task.profile_responsable_id, task.statut)


def _project_reader(tx: Tx, project: Projet) -> Reader:
    return lambda member: can_read_project(tx.session, member, project)


def _milestone_reader(tx: Tx, project: Projet | None) -> Reader:
    return lambda member: can_read_milestone(tx.session, member, project)


async def task_changed(
    svc: Services,
    tx: Tx,
    actor_id: uuid.UUID,
    project: Projet,
    before: TaskState | None,
    task: Tache,
) -> None:
    """After creating (`before` None), updating or moving `task`: TASK_ASSIGNED to a new
    assignee, TASK_COMPLETED to the project lead when the task enters DONE (a task
    created as DONE enters it too)."""
    assignee = task.profile_responsable_id
    assigned = assignee is not None and (before is None or before.assignee != assignee)
    completed = task.statut == TaskStatus.DONE and (
        before is None or before.statut != TaskStatus.DONE
    )
    if not (assigned or completed):
        return
    who = await display_name(tx, actor_id)
    org_id = task.organization_id
    link = f"/orgs/{org_id}/projects/{project.id}/tasks/{task.id}"
    meta = {"task_id": str(task.id), "projet_id": str(project.id), "actor_id": str(actor_id)}
    tell: list[tuple[NotificationType, uuid.UUID | None, str]] = []
    if assigned:
        tell.append((NotificationType.TASK_ASSIGNED, assignee, "vous a assigné"))
    if completed:
        tell.append((NotificationType.TASK_COMPLETED, project.chef_projet_id, "a terminé"))
    for kind, recipient, verb in tell:
        title = f"{who} {verb} la tâche « {task.nom} »"
        notice = Notice(kind, title, f"Projet {project.nom}", link, meta)
        readers = _project_reader(tx, project)
        await notify_readers(svc, tx, org_id, [recipient], actor_id, readers, notice)


def reached(m: Milestone) -> bool:
    """A milestone is reached when completed, or when its progress (computed in auto
    mode, the client's in manual mode) is at 100 %."""
    return m.status == MilestoneStatus.COMPLETED or (m.progress_percentage or 0) >= 100


async def milestone_changed(
    svc: Services, tx: Tx, actor_id: uuid.UUID, was_reached: bool, m: Milestone
) -> None:
    """After any write to `m`: MILESTONE_REACHED to its assignees and its project's lead
    when it has just become reached (once per transition: it must stop being reached
    before it can be reached again)."""
    if was_reached or not reached(m):
        return
    org_id = m.organization_id
    project = None
    if m.projet_id is not None:
        project = await projects.get_project(tx.session, org_id=org_id, project_id=m.projet_id)
    people: list[uuid.UUID | None] = list(
        await milestone_store.assignee_ids(tx.session, org_id=org_id, milestone_id=m.id)
    )
    if project is not None:
        people.append(project.chef_projet_id)
    where = f" (projet {project.nom})" if project is not None else ""
    notice = Notice(
        NotificationType.MILESTONE_REACHED,
        f"Jalon atteint : « {m.name} »{where}",
        f"Progression {m.progress_percentage or 0} %, statut {m.status}",
        f"/orgs/{org_id}/milestones/{m.id}",
        {
            "milestone_id": str(m.id),
            "projet_id": str(m.projet_id) if m.projet_id else None,
            "actor_id": str(actor_id),
        },
    )
    readers = _milestone_reader(tx, project)
    await notify_readers(svc, tx, org_id, people, actor_id, readers, notice)


async def project_status_changed(
    svc: Services, tx: Tx, actor_id: uuid.UUID, project: Projet, old: str
) -> None:
    """After `project.statut` changed from `old`: PROJECT_UPDATE to the people the project
    concerns, its lead, everyone staffed on it (any period) and its client's contact."""
    org_id = project.organization_id
    people: list[uuid.UUID | None] = [project.chef_projet_id]
    people += await staffing.staffed_user_ids(tx.session, org_id=org_id, project_id=project.id)
    people.append(
        await projects.client_contact_id(tx.session, org_id=org_id, client_id=project.client_id)
    )
    who = await display_name(tx, actor_id)
    meta = {"projet_id": str(project.id), "from": old, "to": project.statut}
    notice = Notice(
        NotificationType.PROJECT_UPDATE,
        f"Projet « {project.nom} » : {old} → {project.statut}",
        f"Statut changé par {who}",
        f"/orgs/{org_id}/projects/{project.id}",
        {**meta, "actor_id": str(actor_id)},
    )
    readers = _project_reader(tx, project)
    await notify_readers(svc, tx, org_id, people, actor_id, readers, notice)
