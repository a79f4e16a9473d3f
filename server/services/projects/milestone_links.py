"""What hangs off a milestone: weighted task links, dependencies, assigned people.

Links and dependencies are part of the milestone's representation, so changing them
bumps its `version` and emits `milestone:updated`. Assigning people does not (they are
listed separately). Writes need the right to manage milestones (managers and above).
"""

from __future__ import annotations

import uuid
from collections import deque
from typing import Any

from protocol.common import ListQuery, Page
from protocol.enums import ActivityAction
from protocol.errors import AppError, ErrorCode, not_found
from protocol.milestones import (
    MilestoneAssignmentCreate,
    MilestoneAssignmentOut,
    MilestoneOut,
    MilestoneTaskLink,
)
from store import milestones as store
from store import organizations
from store.models import Milestone, MilestoneAssignment, MilestoneDependency, MilestoneTask
from store.scoped import delete_row, update_row

from ...actor import Actor
from ...policy import Action, require_member
from ..core import Services, Tx, found, invalid
from ..resource import page_of
from .milestones import (
    MILESTONES,
    auto_progress,
    readable_milestone,
    represent_one,
    save,
)


async def _bump(
    svc: Services, tx: Tx, actor: Actor, m: Milestone, action: ActivityAction, meta: dict[str, Any]
) -> MilestoneOut:
    """A new version of `m` (its links or dependencies changed: `action`, logged), progress
    recomputed when its links changed (dependencies do not move it), announced after
    commit. The caller holds the row lock, so the row cannot be deleted under it (the 404
    cannot happen)."""
    await MILESTONES.log(tx, actor, action, m, meta)
    links = (ActivityAction.MILESTONE_TASK_LINKED, ActivityAction.MILESTONE_TASK_UNLINKED)
    values = await auto_progress(tx.session, m) if action in links else {}
    return found(await save(svc, tx, actor, m, values), "milestone")


# Task links ---------------------------------------------------------------------------


async def link_task(
    svc: Services,
    actor: Actor,
    org_id: uuid.UUID,
    milestone_id: uuid.UUID,
    task_id: uuid.UUID,
    req: MilestoneTaskLink,
) -> MilestoneOut:
    """Link a task with a weight, or change the weight of an existing link. The task must
    be of the organization (404) and, for a project milestone, of its project (422)."""
    async with svc.tx() as tx:
        # Membership and role first, so nothing is locked on behalf of a caller refused.
        await require_member(tx.session, org_id, actor.user_id, Action.MANAGE_PROJECTS)
        task_project = await store.lock_task_project_id(tx.session, org_id=org_id, task_id=task_id)
        m = await MILESTONES.row(tx.session, org_id, milestone_id, for_update=True)
        if task_project is None:
            raise not_found("task")
        if m.projet_id is not None and task_project != m.projet_id:
            raise invalid(["path", "task_id"], "the task belongs to another project")
        link = await store.one_of(tx.session, MilestoneTask, org_id, m.id, tache_id=task_id)
        weight = {"from": None if link is None else link.weight, "to": req.weight}
        if link is None:
            await store.add(
                tx.session, MilestoneTask, org_id, m.id, tache_id=task_id, weight=req.weight
            )
        elif link.weight != req.weight:
            await update_row(tx.session, link, {"weight": req.weight})
        else:
            return await represent_one(tx.session, m)
        meta = {"task_id": str(task_id), "weight": weight}
        return await _bump(svc, tx, actor, m, ActivityAction.MILESTONE_TASK_LINKED, meta)


async def unlink_task(
    svc: Services, actor: Actor, org_id: uuid.UUID, milestone_id: uuid.UUID, task_id: uuid.UUID
) -> MilestoneOut:
    async with svc.tx() as tx:
        m = await MILESTONES.editable(tx, actor, org_id, milestone_id)
        link = await store.one_of(tx.session, MilestoneTask, org_id, m.id, tache_id=task_id)
        await delete_row(tx.session, found(link, "milestone task"))
        action, meta = ActivityAction.MILESTONE_TASK_UNLINKED, {"task_id": str(task_id)}
        return await _bump(svc, tx, actor, m, action, meta)


# Dependencies -------------------------------------------------------------------------


def _path(
    graph: dict[uuid.UUID, list[uuid.UUID]], start: uuid.UUID, goal: uuid.UUID
) -> list[uuid.UUID]:
    """A chain of dependencies from `start` to `goal` (breadth first), [] when none."""
    parent: dict[uuid.UUID, uuid.UUID | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            chain: list[uuid.UUID] = []
            step: uuid.UUID | None = node
            while step is not None:
                chain.append(step)
                step = parent[step]
            return chain[::-1]
        for nxt in graph.get(node, []):
            if nxt not in parent:
                parent[nxt] = node
                queue.append(nxt)
    return []


async def add_dependency(
    svc: Services, actor: Actor, org_id: uuid.UUID, milestone_id: uuid.UUID, other_id: uuid.UUID
) -> MilestoneOut:
    """`milestone_id` depends on `other_id`. Not on itself (422); both of the organization
    (404); an edge that would close a cycle is a 409 whose details give the cycle. The
    organization's graph is locked for the transaction, so two concurrent edges cannot
    close a cycle together. Adding an existing edge changes nothing."""
    if milestone_id == other_id:
        raise invalid(["path", "other_id"], "a milestone cannot depend on itself")
    async with svc.tx() as tx:
        await require_member(tx.session, org_id, actor.user_id, Action.MANAGE_PROJECTS)
        await store.lock_dependency_graph(tx.session, org_id=org_id)
        m = await MILESTONES.row(tx.session, org_id, milestone_id, for_update=True)
        await MILESTONES.row(tx.session, org_id, other_id, for_update=False)
        graph = await store.dependency_edges(tx.session, org_id=org_id)
        if other_id in graph.get(m.id, []):
            return await represent_one(tx.session, m)
        chain = _path(graph, other_id, m.id)
        if chain:
            raise AppError(
                ErrorCode.CONFLICT,
                "this dependency would create a cycle",
                {"cycle": [str(i) for i in [m.id, *chain]]},
            )
        await store.add(tx.session, MilestoneDependency, org_id, m.id, depends_on_id=other_id)
        action, meta = ActivityAction.MILESTONE_DEPENDENCY_ADDED, {"depends_on": str(other_id)}
        return await _bump(svc, tx, actor, m, action, meta)


async def remove_dependency(
    svc: Services, actor: Actor, org_id: uuid.UUID, milestone_id: uuid.UUID, other_id: uuid.UUID
) -> MilestoneOut:
    async with svc.tx() as tx:
        m = await MILESTONES.editable(tx, actor, org_id, milestone_id)
        edge = await store.one_of(
            tx.session, MilestoneDependency, org_id, m.id, depends_on_id=other_id
        )
        await delete_row(tx.session, found(edge, "milestone dependency"))
        action, meta = ActivityAction.MILESTONE_DEPENDENCY_REMOVED, {"depends_on": str(other_id)}
        return await _bump(svc, tx, actor, m, action, meta)


# Assigned people ----------------------------------------------------------------------


def assignment_out(row: MilestoneAssignment) -> MilestoneAssignmentOut:
    return MilestoneAssignmentOut.model_validate(row, from_attributes=True)


async def list_assignments(
    svc: Services, actor: Actor, org_id: uuid.UUID, milestone_id: uuid.UUID, query: ListQuery
) -> Page[MilestoneAssignmentOut]:
    async with svc.sessions() as session:
        await readable_milestone(session, actor, org_id, milestone_id)
        mine = {"milestone_id": milestone_id}
        return await page_of(session, store.assignments, org_id, query, assignment_out, mine)


async def assign(
    svc: Services,
    actor: Actor,
    org_id: uuid.UUID,
    milestone_id: uuid.UUID,
    req: MilestoneAssignmentCreate,
) -> tuple[MilestoneAssignmentOut, bool]:
    """Assign a member (422 for anyone else). Idempotent per person: a repeat answers the
    existing assignment (created False), its role replaced when the repeat names one."""
    async with svc.tx() as tx:
        m = await MILESTONES.editable(tx, actor, org_id, milestone_id)
        person = req.profile_id
        if await organizations.get_membership(tx.session, org_id=org_id, user_id=person) is None:
            raise invalid(["body", "profile_id"], "not a member of the organization")
        created = await store.add_assignment(
            tx.session, org_id=org_id, milestone_id=m.id, profile_id=person, role=req.role
        )
        row = await store.one_of(tx.session, MilestoneAssignment, org_id, m.id, profile_id=person)
        assert row is not None  # inserted, or already there and locked out of deletion by m
        meta: dict[str, Any] = {"profile_id": str(person), "role": req.role}
        changed = not created and req.role is not None and req.role != row.role
        if changed:
            meta["role"] = {"from": row.role, "to": req.role}
            await update_row(tx.session, row, {"role": req.role})
        if created or changed:
            await MILESTONES.log(tx, actor, ActivityAction.MILESTONE_MEMBER_ASSIGNED, m, meta)
        return assignment_out(row), created


async def unassign(
    svc: Services, actor: Actor, org_id: uuid.UUID, milestone_id: uuid.UUID, profile_id: uuid.UUID
) -> None:
    async with svc.tx() as tx:
        m = await MILESTONES.editable(tx, actor, org_id, milestone_id)
        row = await store.one_of(
            tx.session, MilestoneAssignment, org_id, m.id, profile_id=profile_id
        )
        await delete_row(tx.session, found(row, "milestone assignment"))
        meta = {"profile_id": str(profile_id)}
        await MILESTONES.log(tx, actor, ActivityAction.MILESTONE_MEMBER_UNASSIGNED, m, meta)
