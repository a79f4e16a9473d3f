"""Milestones, their weighted task links, dependencies and assigned people."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from protocol.enums import ProgressMode, TaskStatus

from .db import advisory_lock, insert_ignore
from .models import (
    Milestone,
    MilestoneAssignment,
    MilestoneDependency,
    MilestoneTask,
    Tache,
)
from .projects import in_contacts_projects
from .scoped import Scoped, delete_where, insert_row

# A milestone belongs to its organization, and to one of its projects or none: its reads
# go by organization. Listed by due date.
table = Scoped(Milestone, [(Milestone.due_date, date), (Milestone.id, uuid.UUID)], by_project=False)
# Who is assigned to a milestone, in assignment order.
assignments = Scoped(
    MilestoneAssignment,
    [(MilestoneAssignment.created_at, datetime), (MilestoneAssignment.id, uuid.UUID)],
    by_project=False,
)


async def list_milestones(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    cursor: str | None,
    limit: int,
    projet_id: uuid.UUID | None = None,
    client_contact_id: uuid.UUID | None = None,
) -> tuple[list[Milestone], str | None]:
    """By due date, then id. `client_contact_id` keeps only the milestones of projects
    whose client has that contact (what a CLIENT member may read)."""
    where = in_contacts_projects(Milestone.projet_id, org_id, client_contact_id)
    filters = {"projet_id": projet_id}
    return await table.page(
        session, org_id=org_id, cursor=cursor, limit=limit, filters=filters, where=where
    )


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
    return await session.scalar(
        select(Tache.projet_id)
        .where(Tache.organization_id == org_id, Tache.id == task_id)
        .with_for_update(read=True)
    )


async def get_task_link(
    session: AsyncSession, *, org_id: uuid.UUID, milestone_id: uuid.UUID, task_id: uuid.UUID
) -> MilestoneTask | None:
    return await session.scalar(
        select(MilestoneTask).where(
            MilestoneTask.organization_id == org_id,
            MilestoneTask.milestone_id == milestone_id,
            MilestoneTask.tache_id == task_id,
        )
    )


async def add_task_link(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    milestone_id: uuid.UUID,
    task_id: uuid.UUID,
    weight: int,
) -> MilestoneTask:
    link = MilestoneTask(
        organization_id=org_id, milestone_id=milestone_id, tache_id=task_id, weight=weight
    )
    return await insert_row(session, link)


async def task_links(
    session: AsyncSession, *, org_id: uuid.UUID, milestone_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[uuid.UUID, int]]]:
    """(task id, weight) of each milestone's links, oldest link first."""
    ids = list(milestone_ids)
    found: dict[uuid.UUID, list[tuple[uuid.UUID, int]]] = defaultdict(list)
    if not ids:
        return found
    stmt = (
        select(MilestoneTask.milestone_id, MilestoneTask.tache_id, MilestoneTask.weight)
        .where(MilestoneTask.organization_id == org_id, MilestoneTask.milestone_id.in_(ids))
        .order_by(MilestoneTask.created_at, MilestoneTask.id)
    )
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
    ids = list(task_ids)
    if not ids:
        return set()
    stmt = select(MilestoneTask.milestone_id).where(
        MilestoneTask.organization_id == org_id, MilestoneTask.tache_id.in_(ids)
    )
    return set(await session.scalars(stmt))


async def existing_task_ids(
    session: AsyncSession, *, org_id: uuid.UUID, task_ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    ids = list(task_ids)
    if not ids:
        return set()
    stmt = select(Tache.id).where(Tache.organization_id == org_id, Tache.id.in_(ids))
    return set(await session.scalars(stmt))


async def auto_milestone_ids(session: AsyncSession, *, org_id: uuid.UUID) -> set[uuid.UUID]:
    stmt = select(Milestone.id).where(
        Milestone.organization_id == org_id,
        func.coalesce(Milestone.progress_mode, ProgressMode.AUTO.value) == ProgressMode.AUTO.value,
    )
    return set(await session.scalars(stmt))


# Dependencies -------------------------------------------------------------------------


async def lock_dependency_graph(session: AsyncSession, *, org_id: uuid.UUID) -> None:
    """Serialize changes to the organization's dependency graph until the transaction
    ends: two edges inserted concurrently could otherwise close a cycle together, each
    transaction seeing a graph without the other's edge."""
    await advisory_lock(session, f"milestone-dependencies:{org_id}")


async def dependency_edges(
    session: AsyncSession, *, org_id: uuid.UUID
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """milestone id -> the ids it depends on, over the whole organization."""
    stmt = select(MilestoneDependency.milestone_id, MilestoneDependency.depends_on_id).where(
        MilestoneDependency.organization_id == org_id
    )
    graph: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for milestone_id, depends_on_id in await session.execute(stmt):
        graph[milestone_id].append(depends_on_id)
    return graph


async def dependencies_of(
    session: AsyncSession, *, org_id: uuid.UUID, milestone_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    ids = list(milestone_ids)
    found: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    if not ids:
        return found
    stmt = (
        select(MilestoneDependency.milestone_id, MilestoneDependency.depends_on_id)
        .where(
            MilestoneDependency.organization_id == org_id,
            MilestoneDependency.milestone_id.in_(ids),
        )
        .order_by(MilestoneDependency.created_at, MilestoneDependency.id)
    )
    for milestone_id, depends_on_id in await session.execute(stmt):
        found[milestone_id].append(depends_on_id)
    return found


async def add_dependency(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    milestone_id: uuid.UUID,
    depends_on_id: uuid.UUID,
) -> None:
    edge = MilestoneDependency(
        organization_id=org_id, milestone_id=milestone_id, depends_on_id=depends_on_id
    )
    await insert_row(session, edge)


async def remove_dependency(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    milestone_id: uuid.UUID,
    depends_on_id: uuid.UUID,
) -> bool:
    removed = await delete_where(
        session,
        MilestoneDependency,
        MilestoneDependency.organization_id == org_id,
        MilestoneDependency.milestone_id == milestone_id,
        MilestoneDependency.depends_on_id == depends_on_id,
    )
    return removed > 0


# Assigned people ----------------------------------------------------------------------


async def get_assignment(
    session: AsyncSession, *, org_id: uuid.UUID, milestone_id: uuid.UUID, profile_id: uuid.UUID
) -> MilestoneAssignment | None:
    return await session.scalar(
        select(MilestoneAssignment)
        .where(
            MilestoneAssignment.organization_id == org_id,
            MilestoneAssignment.milestone_id == milestone_id,
            MilestoneAssignment.profile_id == profile_id,
        )
        .execution_options(populate_existing=True)
    )


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
    rows = await session.scalars(
        select(MilestoneAssignment.profile_id)
        .where(
            MilestoneAssignment.organization_id == org_id,
            MilestoneAssignment.milestone_id == milestone_id,
        )
        .order_by(MilestoneAssignment.created_at, MilestoneAssignment.id)
    )
    return list(rows)
