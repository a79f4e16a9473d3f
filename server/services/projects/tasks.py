"""Kanban tasks: create, read, update, delete, move, and the board.

Who: the project's readers read its tasks; managers and above, the project lead and
consultants staffed on it write them (`policy.require_task_editor`).

Order: a column is ordered by `(rank, id)` (see `store.tasks`). Every write that gives a
task a rank in a column (create, a move, a PATCH of `statut`) first takes that column's
lock, then the task's row (one order for every task write, so they cannot wait on each
other in a cycle), and the neighbours a move reads cannot change until it commits. A
move therefore rewrites one row; the column is rewritten (`store.ranks.spread`) only
when the new key would be longer than `ranks.MAX_LENGTH` or its neighbours admit no key
between them.

Concurrency: updates and moves are compare-and-set on `version` (the If-Match one when
given, 412 if stale); every applied change increments it. After commit, `task:created`,
`task:updated` (moves included) and `task:deleted` go to the project's room.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from protocol import events
from protocol.common import Page
from protocol.enums import ActivityAction, TaskStatus
from protocol.errors import FieldError, stale
from protocol.tasks import (
    TaskCreate,
    TaskDeleted,
    TaskMove,
    TaskOut,
    TaskPatch,
    TaskQuery,
)
from store import deliverables, projects
from store import tasks as store
from store.models import Projet, Tache

from ...actor import Actor
from ...audience import project_room
from ...policy import require_member, require_project_reader, require_task_editor
from ..changes import created_fields, field_changes, stored
from ..core import Services, Tx, found, refuse
from ..resource import RowLog, json_text, project_scope, save_version
from . import board, milestones
from .projects import member_error, unless
from .work_notifications import task_changed, task_state

TASK = "task"


def task_json(t: Any, position: int) -> dict[str, Any]:
    """`TaskOut` in JSON form, from a task (a model, or store.tasks' `BoardLine`): a board
    is hundreds of them, and a model validated then dumped per task was most of its cost."""
    estimate = t.charge_estimee_jh
    return {
        "id": str(t.id),
        "organization_id": str(t.organization_id),
        "projet_id": str(t.projet_id),
        "livrable_id": json_text(t.livrable_id),
        "profile_responsable_id": json_text(t.profile_responsable_id),
        "nom": t.nom,
        "description": t.description,
        "statut": t.statut,
        "priority": t.priority or None,
        "position": position,
        "charge_estimee_jh": float(estimate) if estimate is not None else None,
        "date_fin_cible": json_text(t.date_fin_cible),
        "color": t.color,
        "tags": list(t.tags or []),
        "version": t.version,
        "created_at": json_text(t.created_at),
        "updated_at": json_text(t.updated_at),
    }


def task_out(t: Tache, position: int) -> TaskOut:
    """A task as the API shows it."""
    return TaskOut.model_validate(task_json(t, position))


async def represent(session: AsyncSession, task: Tache) -> TaskOut:
    return task_out(task, await store.position_of(session, task))


async def _task(
    session: AsyncSession, actor: Actor, org_id: uuid.UUID, task_id: uuid.UUID, *, edit: bool
) -> tuple[Projet, Tache]:
    """A task of a project the caller reads (404 otherwise), and its project; with `edit`,
    a caller who may edit the project's tasks (403 otherwise)."""
    member = await require_member(session, org_id, actor.user_id)
    task = found(await store.get_task(session, org_id=org_id, task_id=task_id), TASK)
    project = await projects.get_project(session, org_id=org_id, project_id=task.projet_id)
    project = found(project, TASK)
    await (require_task_editor if edit else require_project_reader)(session, member, project)
    return project, task


async def _locked(tx: Tx, org_id: uuid.UUID, task_id: uuid.UUID, expected: int | None) -> Tache:
    """The task row, locked, still at `expected` (the If-Match version) when given."""
    row = await store.get_task(tx.session, org_id=org_id, task_id=task_id, for_update=True)
    task = found(row, TASK)
    if expected is not None and task.version != expected:
        raise stale(TASK)
    return task


async def _reference_errors(
    session: AsyncSession, project: Projet, values: dict[str, Any]
) -> list[FieldError | None]:
    errors: list[FieldError | None] = []
    if "profile_responsable_id" in values:
        user_id = values["profile_responsable_id"]
        errors.append(
            await member_error(session, project.organization_id, user_id, "profile_responsable_id")
        )
    livrable_id = values.get("livrable_id")
    if livrable_id is not None:
        livrable = await deliverables.table.get(
            session, org_id=project.organization_id, project_id=project.id, row_id=livrable_id
        )
        errors.append(unless(livrable, "livrable_id", "must be a deliverable of this project"))
    return errors


_log = RowLog(TASK)


async def _publish(tx: Tx, event: str, task: Tache) -> TaskOut:
    out = await represent(tx.session, task)
    tx.emit(event, out, project_room(task.projet_id))
    return out


# Reads --------------------------------------------------------------------------------


async def list_tasks(
    svc: Services, actor: Actor, org_id: uuid.UUID, project_id: uuid.UUID, query: TaskQuery
) -> Page[TaskOut]:
    """In board order; `position` is the index in the whole column, filters aside."""
    async with svc.sessions() as session:
        await project_scope(session, actor, org_id, project_id)
        rows, cursor = await store.list_tasks(
            session, org_id=org_id, project_id=project_id, query=query
        )
    return Page(items=[task_out(t, p) for t, p in rows], next_cursor=cursor)


async def get_board(
    svc: Services, actor: Actor, org_id: uuid.UUID, project_id: uuid.UUID
) -> dict[str, Any]:
    """`BoardOut` in JSON form (`task_json`)."""
    async with svc.sessions() as session:
        await project_scope(session, actor, org_id, project_id)
        rows = await store.board_tasks(session, org_id=org_id, project_id=project_id)
    columns: dict[str, list[dict[str, Any]]] = {status.value: [] for status in TaskStatus}
    for task in rows:
        column = columns[task.statut]
        column.append(task_json(task, len(column)))
    return {
        "projet_id": str(project_id),
        "columns": [{"statut": s, "tasks": tasks} for s, tasks in columns.items()],
    }


async def get_task(svc: Services, actor: Actor, org_id: uuid.UUID, task_id: uuid.UUID) -> TaskOut:
    async with svc.sessions() as session:
        _, task = await _task(session, actor, org_id, task_id, edit=False)
        return await represent(session, task)


# Writes -------------------------------------------------------------------------------


async def create_task(
    svc: Services, actor: Actor, org_id: uuid.UUID, project_id: uuid.UUID, req: TaskCreate
) -> TaskOut:
    """At the end of its column."""
    fields = stored(req.model_dump())
    async with svc.tx() as tx:
        member, project = await project_scope(tx.session, actor, org_id, project_id)
        await require_task_editor(tx.session, member, project)
        refuse(await _reference_errors(tx.session, project, fields))
        await store.lock_column(tx.session, project_id=project_id, statut=req.statut.value)
        fields["rank"] = await board.end_of_column(tx.session, project, req.statut.value, None)
        task = await store.table.create(
            tx.session, org_id=org_id, fields={**fields, "projet_id": project_id}
        )
        created = created_fields({k: v for k, v in fields.items() if k != "rank"})
        await _log(tx, actor, task, ActivityAction.TASK_CREATED, {"fields": created})
        await task_changed(svc, tx, actor.user_id, project, None, task)
        return await _publish(tx, events.TASK_CREATED, task)


async def update_task(
    svc: Services,
    actor: Actor,
    org_id: uuid.UUID,
    task_id: uuid.UUID,
    patch: TaskPatch,
    expected_version: int | None,
) -> TaskOut:
    """A new `statut` puts the task at the end of that column."""
    changes = stored(patch.changes())
    async with svc.tx() as tx:
        project, _ = await _task(tx.session, actor, org_id, task_id, edit=True)
        if "statut" in changes:
            await store.lock_column(tx.session, project_id=project.id, statut=changes["statut"])
        task = await _locked(tx, org_id, task_id, expected_version)
        diff = field_changes(task, changes)
        values = {k: changes[k] for k in diff}
        refuse(await _reference_errors(tx.session, project, values))
        if not diff:
            return await represent(tx.session, task)
        before = task_state(task)
        if "statut" in diff:
            values["rank"] = await board.end_of_column(
                tx.session, project, values["statut"], task.id
            )
        updated = await save_version(tx, store.table, task, values, TASK)
        await _log(tx, actor, updated, ActivityAction.TASK_UPDATED, {"changes": diff})
        await task_changed(svc, tx, actor.user_id, project, before, updated)
        if "statut" in diff:
            await milestones.on_tasks_changed(svc, tx, actor, org_id, [task.id])
        return await _publish(tx, events.TASK_UPDATED, updated)


async def move_task(
    svc: Services,
    actor: Actor,
    org_id: uuid.UUID,
    task_id: uuid.UUID,
    req: TaskMove,
    expected_version: int | None,
) -> TaskOut:
    """Into column `req.statut`, between its new neighbours; a move to where the task
    already is changes nothing."""
    statut = req.statut.value
    async with svc.tx() as tx:
        project, _ = await _task(tx.session, actor, org_id, task_id, edit=True)
        await store.lock_column(tx.session, project_id=project.id, statut=statut)
        task = await _locked(tx, org_id, task_id, expected_version)
        lower, upper = await board.move_bounds(tx.session, project, task, req)
        if board.in_place(task, statut, lower, upper):
            return await represent(tx.session, task)
        state = task_state(task)
        before = {"statut": task.statut, "position": await store.position_of(tx.session, task)}
        rank = await board.rank_between(tx.session, project, statut, task.id, lower, upper)
        updated = await save_version(tx, store.table, task, {"statut": statut, "rank": rank}, TASK)
        out = await _publish(tx, events.TASK_UPDATED, updated)
        after = {"statut": out.statut.value, "position": out.position}
        diff = {k: {"from": before[k], "to": after[k]} for k in before if before[k] != after[k]}
        meta = {"changes": diff, "after_id": req.after_id, "before_id": req.before_id}
        await _log(tx, actor, updated, ActivityAction.TASK_MOVED, created_fields(meta))
        await task_changed(svc, tx, actor.user_id, project, state, updated)
        if before["statut"] != statut:
            await milestones.on_tasks_changed(svc, tx, actor, org_id, [task.id])
        return out


async def delete_task(
    svc: Services, actor: Actor, org_id: uuid.UUID, task_id: uuid.UUID
) -> TaskDeleted:
    """Milestone links go with it (ON DELETE CASCADE); time entries keep their hours
    (`tache_id` NULL)."""
    async with svc.tx() as tx:
        project, _ = await _task(tx.session, actor, org_id, task_id, edit=True)
        task = await _locked(tx, org_id, task_id, None)
        await _log(tx, actor, task, ActivityAction.TASK_DELETED, {"nom": task.nom})
        await store.table.delete(tx.session, task)
        await milestones.on_tasks_changed(svc, tx, actor, org_id, [task_id])
        gone = TaskDeleted(id=task_id, projet_id=project.id)
        tx.emit(events.TASK_DELETED, gone, project_room(project.id))
        return gone
