"""Milestones, their weighted task links, dependencies and assigned people."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from protocol.enums import ProgressMode, TaskStatus

from . import tasks
from .db import advisory_lock, insert_ignore
from .models import (
    Milestone,
    MilestoneAssignment,
    MilestoneDependency,
    MilestoneTask,
    Tache,
)
from .scoped import Scoped, insert_row

# A milestone belongs to its organization, and to one of its projects or none: its reads
# go by organization. Listed by due date.
table = Scoped(Milestone, (Milestone.due_date, date), by_project=False)
# Who is assigned to a milestone, in assignment order.
assignments = Scoped(MilestoneAssignment, by_project=False)


async def _grouped(
    session: AsyncSession, stmt: Select[uuid.UUID, Any]
) -> dict[uuid.UUID, list[Any]]:
    """The rows of `stmt`, (milestone id, value), as each milestone's values in order."""
    found: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for milestone_id, value in await session.execute(stmt):
        found[milestone_id].append(value)
    return found


async def _ids(session: AsyncSession, column: Any, *where: Any) -> set[uuid.UUID]:
    return set(await session.scalars(select(column).where(*where)))


# Task links ---------------------------------------------------------------------------


async def lock_task_project_id(
    session: AsyncSession, *, org_id: uuid.UUID, task_id: uuid.UUID
) -> uuid.UUID | None:
    """The project of a task of the organization (None: no such task), the task row
    share-locked until the transaction ends.

    Linking takes this lock before the milestone's, the order in which a task update
    locks them (task row, then milestones through `on_tasks_changed`): a status change
    racing a new link then waits for the link to commit and sees it, or commits first
    and is seen by the link's progress computation.
    """
    stmt = tasks.table.where(org_id, None, Tache.id == task_id).with_only_columns(Tache.projet_id)
    return await session.scalar(stmt.with_for_update(read=True))


async def one_of(
    session: AsyncSession, model: Any, org_id: uuid.UUID, milestone_id: uuid.UUID, **match: Any
) -> Any:
    """The milestone's row of `model` (a task link, an assignment) whose columns hold
    `match`, as stored now; None when there is none."""
    where = [getattr(model, name) == value for name, value in match.items()]
    return await session.scalar(
        select(model)
        .where(model.organization_id == org_id, model.milestone_id == milestone_id, *where)
        .execution_options(populate_existing=True)
    )


async def add(
    session: AsyncSession, model: Any, org_id: uuid.UUID, milestone_id: uuid.UUID, **values: Any
) -> None:
    """A new row of `model` (a task link, a dependency) of the milestone."""
    await insert_row(session, model(organization_id=org_id, milestone_id=milestone_id, **values))


async def task_links(
    session: AsyncSession, *, org_id: uuid.UUID, milestone_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[uuid.UUID, int]]]:
    """(task id, weight) of each milestone's links, oldest link first."""
    stmt = (
        select(MilestoneTask.milestone_id, MilestoneTask.tache_id, MilestoneTask.weight)
        .where(
            MilestoneTask.organization_id == org_id,
            MilestoneTask.milestone_id.in_(list(milestone_ids)),
        )
        .order_by(MilestoneTask.created_at, MilestoneTask.id)
    )
    found: dict[uuid.UUID, list[tuple[uuid.UUID, int]]] = defaultdict(list)
    for milestone_id, task_id, weight in await session.execute(stmt):
        found[milestone_id].append((task_id, weight or 1))
    return found


async def progress_totals(
    session: AsyncSession, *, org_id: uuid.UUID, milestone_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, tuple[int, int]]:
    """(sum of weights, sum of weights of DONE tasks) per milestone with links."""
    ids = list(milestone_ids)
    if not ids:
        return {}
    weight = func.coalesce(MilestoneTask.weight, 1)
    stmt = (
        select(
            MilestoneTask.milestone_id,
            func.sum(weight),
            func.sum(case((Tache.statut == TaskStatus.DONE.value, weight), else_=0)),
        )
        .join(Tache, Tache.id == MilestoneTask.tache_id)
        .where(MilestoneTask.organization_id == org_id, MilestoneTask.milestone_id.in_(ids))
        .group_by(MilestoneTask.milestone_id)
    )
    return {mid: (int(total), int(done)) for mid, total, done in await session.execute(stmt)}


async def milestones_of_tasks(
    session: AsyncSession, *, org_id: uuid.UUID, task_ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    where = (MilestoneTask.organization_id == org_id, MilestoneTask.tache_id.in_(list(task_ids)))
    return await _ids(session, MilestoneTask.milestone_id, *where)


async def existing_task_ids(
    session: AsyncSession, *, org_id: uuid.UUID, task_ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    return await _ids(session, Tache.id, Tache.organization_id == org_id, Tache.id.in_(task_ids))


async def auto_milestone_ids(session: AsyncSession, *, org_id: uuid.UUID) -> set[uuid.UUID]:
    mode = func.coalesce(Milestone.progress_mode, ProgressMode.AUTO.value)
    where = (Milestone.organization_id == org_id, mode == ProgressMode.AUTO.value)
    return await _ids(session, Milestone.id, *where)


# Dependencies -------------------------------------------------------------------------


async def lock_dependency_graph(session: AsyncSession, *, org_id: uuid.UUID) -> None:
    """Serialize changes to the organization's dependency graph until the transaction
    ends: two edges inserted concurrently could otherwise close a cycle together, each
    transaction seeing a graph without the other's edge."""
    await advisory_lock(session, f"milestone-dependencies:{org_id}")


def _edges(org_id: uuid.UUID) -> Select[uuid.UUID, uuid.UUID]:
    columns = (MilestoneDependency.milestone_id, MilestoneDependency.depends_on_id)
    return select(*columns).where(MilestoneDependency.organization_id == org_id)


async def dependency_edges(
    session: AsyncSession, *, org_id: uuid.UUID
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """milestone id -> the ids it depends on, over the whole organization."""
    return await _grouped(session, _edges(org_id))


async def dependencies_of(
    session: AsyncSession, *, org_id: uuid.UUID, milestone_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """What each milestone depends on, the oldest dependency first."""
    stmt = _edges(org_id).where(MilestoneDependency.milestone_id.in_(list(milestone_ids)))
    order = (MilestoneDependency.created_at, MilestoneDependency.id)
    return await _grouped(session, stmt.order_by(*order))


# Assigned people ----------------------------------------------------------------------


async def add_assignment(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    milestone_id: uuid.UUID,
    profile_id: uuid.UUID,
    role: str | None,
) -> bool:
    """Insert unless the person is already assigned (even by a concurrent transaction);
    True when this call created the row."""
    values = {
        "id": uuid.uuid4(),
        "organization_id": org_id,
        "milestone_id": milestone_id,
        "profile_id": profile_id,
        "role": role,
    }
    result = await session.execute(insert_ignore(session, MilestoneAssignment, values))
    return bool(getattr(result, "rowcount", 0))


async def assignee_ids(
    session: AsyncSession, *, org_id: uuid.UUID, milestone_id: uuid.UUID
) -> list[uuid.UUID]:
    """Everyone assigned to the milestone (for notifying them), in assignment order."""
    rows = assignments.where(org_id, None, MilestoneAssignment.milestone_id == milestone_id)
    stmt = rows.with_only_columns(MilestoneAssignment.profile_id).order_by(*assignments.order)
    return list(await session.scalars(stmt))
