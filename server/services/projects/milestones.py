"""Milestones: create, read, update (optimistic concurrency), delete, and their progress.

Progress in `auto` mode is sum(weight of DONE linked tasks) / sum(weights) x 100, rounded
down to an integer, 0 with no linked task. It is recomputed in the transaction of every
change that can move it: a link or weight change, a switch to `auto`, and (through
`on_tasks_changed`, which the tasks service calls) a linked task's status change or
deletion. Status follows: reaching 100 sets `completed`; a recomputed percentage below
100 turns `completed` into `in_progress`; leaving 0 while `not_started` sets
`in_progress`. A status the client sets stays until the percentage next moves.
In `manual` mode the percentage is the client's; sending one for an `auto` milestone is
a 422. Every change bumps `version` and, after commit, emits `milestone:updated` (the
representation) to the project's room, or the organization's for an org-level milestone.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from protocol import events
from protocol.common import Page
from protocol.enums import MilestoneStatus, ProgressMode
from protocol.errors import stale
from protocol.milestones import (
    LinkedTaskOut,
    MilestoneCreate,
    MilestoneDeleted,
    MilestoneOut,
    MilestonePatch,
    MilestoneQuery,
)
from store import milestones as store
from store import projects
from store.models import Milestone
from store.projects import in_contacts_projects

from ...actor import Actor
from ...audience import org_readers_room, project_room
from ...policy import (
    Action,
    Member,
    client_contact_scope,
    require_member,
    require_milestone_reader,
    require_project_reader,
)
from ..changes import created_fields, field_changes, stored
from ..core import Services, Tx, found, invalid
from ..resource import OrgResource, out_of
from .work_notifications import milestone_changed, reached

RESOURCE = "milestone"


def percent_done(total: int, done: int) -> int:
    return done * 100 // total if total else 0


def room_of(milestone: Milestone) -> str:
    """A project's milestone goes to the project's subscribers; an organization-level
    one to the roles that read every project (so never to a CLIENT member)."""
    if milestone.projet_id is not None:
        return project_room(milestone.projet_id)
    return org_readers_room(milestone.organization_id, Action.READ_ALL_PROJECTS)


async def represent(session: AsyncSession, milestones: list[Milestone]) -> list[MilestoneOut]:
    """Representations with their links and dependencies, two queries for any number."""
    if not milestones:
        return []
    org_id = milestones[0].organization_id
    ids = [m.id for m in milestones]
    links = await store.task_links(session, org_id=org_id, milestone_ids=ids)
    deps = await store.dependencies_of(session, org_id=org_id, milestone_ids=ids)
    return [
        out_of(
            MilestoneOut,
            m,
            progress_mode=m.progress_mode or ProgressMode.AUTO,
            progress_percentage=m.progress_percentage or 0,
            tasks=[LinkedTaskOut(task_id=t, weight=w) for t, w in links.get(m.id, [])],
            depends_on=deps.get(m.id, []),
        )
        for m in milestones
    ]


async def represent_one(session: AsyncSession, milestone: Milestone) -> MilestoneOut:
    [out] = await represent(session, [milestone])
    return out


async def publish(tx: Tx, milestone: Milestone) -> MilestoneOut:
    """The milestone's representation, also queued as `milestone:updated` for after commit."""
    out = await represent_one(tx.session, milestone)
    tx.emit(events.MILESTONE_UPDATED, out, room_of(milestone))
    return out


async def save(
    svc: Services,
    tx: Tx,
    actor: Actor,
    m: Milestone,
    values: dict[str, Any],
    expected_version: int | None = None,
) -> MilestoneOut | None:
    """`values` stored as the next version of `m` (only while it is still at
    `expected_version`, when given), then its notifications (one that becomes reached is
    `actor`'s doing) and `milestone:updated`; None when no row matched."""
    was_reached = reached(m)
    org_id = m.organization_id
    updated = await store.table.update_versioned(tx.session, org_id, m.id, values, expected_version)
    if updated is None:
        return None
    await milestone_changed(svc, tx, actor.user_id, was_reached, updated)
    return await publish(tx, updated)


def progress_changes(m: Milestone, pct: int) -> dict[str, Any]:
    """The writes that bring an auto milestone to `pct`, with the status it implies."""
    old = m.progress_percentage or 0
    changes: dict[str, Any] = {}
    if m.progress_percentage != pct:
        changes["progress_percentage"] = pct
    status = m.status
    if pct == 100 and old != 100 and status != MilestoneStatus.COMPLETED:
        changes["status"] = MilestoneStatus.COMPLETED.value
    else:
        fell = pct < 100 and pct != old and status == MilestoneStatus.COMPLETED
        started = 0 < pct < 100 and old == 0 and status == MilestoneStatus.NOT_STARTED
        if fell or started:
            changes["status"] = MilestoneStatus.IN_PROGRESS.value
    return changes


def is_auto(m: Milestone) -> bool:
    return (m.progress_mode or ProgressMode.AUTO) == ProgressMode.AUTO


async def auto_progress(
    session: AsyncSession, m: Milestone, *, switching: bool = False
) -> dict[str, Any]:
    """Progress writes for `m` from its links as they now stand; {} in manual mode unless
    `switching` to auto."""
    if not (switching or is_auto(m)):
        return {}
    totals = await store.progress_totals(session, org_id=m.organization_id, milestone_ids=[m.id])
    return progress_changes(m, percent_done(*totals.get(m.id, (0, 0))))


async def _refresh(
    svc: Services, tx: Tx, actor: Actor, org_id: uuid.UUID, milestone_ids: set[uuid.UUID]
) -> None:
    """Recompute the auto milestones among `milestone_ids`, rows locked first so that a
    concurrent recomputation waits and then reads this transaction's committed tasks."""
    locked = await store.table.lock(tx.session, org_id=org_id, row_ids=milestone_ids)
    auto = [m for m in locked if is_auto(m)]
    ids = [m.id for m in auto]
    totals = await store.progress_totals(tx.session, org_id=org_id, milestone_ids=ids)
    for m in auto:
        changes = progress_changes(m, percent_done(*totals.get(m.id, (0, 0))))
        if changes:
            await save(svc, tx, actor, m, changes)


async def on_tasks_changed(
    svc: Services, tx: Tx, actor: Actor, org_id: uuid.UUID, task_ids: list[uuid.UUID]
) -> None:
    """For the tasks service: call after updating, moving or deleting tasks, before commit.

    Recomputes the auto milestones those tasks are linked to. A deleted task's links are
    already gone (ON DELETE CASCADE), so when some of `task_ids` no longer exist every auto
    milestone of the organization is recomputed (one grouped query; only those whose
    progress moved are written and announced).
    """
    affected = await store.milestones_of_tasks(tx.session, org_id=org_id, task_ids=task_ids)
    existing = await store.existing_task_ids(tx.session, org_id=org_id, task_ids=task_ids)
    if set(task_ids) - existing:
        affected |= await store.auto_milestone_ids(tx.session, org_id=org_id)
    if affected:
        await _refresh(svc, tx, actor, org_id, affected)


async def refresh_org_progress(svc: Services, tx: Tx, actor: Actor, org_id: uuid.UUID) -> None:
    """Recompute every auto milestone of the organization (after deleting a project, whose
    tasks may count in organization-level milestones)."""
    ids = await store.auto_milestone_ids(tx.session, org_id=org_id)
    await _refresh(svc, tx, actor, org_id, ids)


# Access -------------------------------------------------------------------------------


async def readable_milestone(
    session: AsyncSession, actor: Actor, org_id: uuid.UUID, milestone_id: uuid.UUID
) -> Milestone:
    member = await require_member(session, org_id, actor.user_id)
    milestone = await MILESTONES.row(session, org_id, milestone_id, for_update=False)
    project = None
    if milestone.projet_id is not None:
        project = await projects.get_project(session, org_id=org_id, project_id=milestone.projet_id)
    await require_milestone_reader(session, member, project)
    return milestone


async def _readable_project(
    session: AsyncSession, member: Member, project_id: uuid.UUID | None
) -> None:
    """A milestone's project (if any) must be one the caller reads (404 otherwise)."""
    if project_id is not None:
        project = await projects.get_project(session, org_id=member.org_id, project_id=project_id)
        await require_project_reader(session, member, found(project, "project"))


# CRUD ---------------------------------------------------------------------------------


def _check_dates(start: date, due: date, field: str) -> None:
    if due < start:
        raise invalid(["body", field], "due_date must not be before start_date")


def _percentage_needs_manual() -> Exception:
    return invalid(
        ["body", "progress_percentage"],
        "progress_percentage is computed in auto mode; set progress_mode to manual",
    )


async def _announce_deletion(tx: Tx, m: Milestone) -> None:
    """Its links, dependencies (both ways) and assignments go with it (ON DELETE CASCADE);
    `milestone:deleted` tells the room."""
    gone = MilestoneDeleted(id=m.id, organization_id=m.organization_id, projet_id=m.projet_id)
    tx.emit(events.MILESTONE_DELETED, gone, room_of(m))


# Written by managers and above. Reads, creations and updates are the functions below:
# a milestone is read through its project, answered with its links, and versioned.
MILESTONES: OrgResource[Milestone, MilestoneOut] = OrgResource(
    name=RESOURCE,
    table=store.table,
    out=MilestoneOut,
    label="name",
    writes=Action.MANAGE_PROJECTS,
    before_delete=_announce_deletion,
)


async def create_milestone(
    svc: Services, actor: Actor, org_id: uuid.UUID, req: MilestoneCreate
) -> MilestoneOut:
    """Managers and above; a project milestone's project must be one of the organization
    the caller reads (404 otherwise)."""
    _check_dates(req.start_date, req.due_date, "due_date")
    if req.progress_mode is ProgressMode.AUTO and req.progress_percentage is not None:
        raise _percentage_needs_manual()
    async with svc.tx() as tx:
        member = await require_member(tx.session, org_id, actor.user_id, Action.MANAGE_PROJECTS)
        await _readable_project(tx.session, member, req.projet_id)
        fields = {**req.model_dump(), "progress_percentage": req.progress_percentage or 0}
        milestone = await store.table.create(
            tx.session, org_id=org_id, fields={**fields, "created_by": actor.user_id}
        )
        meta = {"fields": created_fields(fields)}
        await MILESTONES.log(tx, actor, MILESTONES.action("CREATED"), milestone, meta)
        await milestone_changed(svc, tx, actor.user_id, False, milestone)
        return await publish(tx, milestone)


async def list_milestones(
    svc: Services, actor: Actor, org_id: uuid.UUID, query: MilestoneQuery
) -> Page[MilestoneOut]:
    """By due date. A CLIENT member sees only their client's projects' milestones."""
    async with svc.sessions() as session:
        member = await require_member(session, org_id, actor.user_id)
        await _readable_project(session, member, query.projet_id)
        where = in_contacts_projects(Milestone.projet_id, org_id, client_contact_scope(member))
        rows, cursor = await store.table.page(
            session,
            org_id=org_id,
            cursor=query.cursor,
            limit=query.limit,
            filters={"projet_id": query.projet_id},
            where=where,
        )
        return Page(items=await represent(session, rows), next_cursor=cursor)


async def get_milestone(
    svc: Services, actor: Actor, org_id: uuid.UUID, milestone_id: uuid.UUID
) -> MilestoneOut:
    async with svc.sessions() as session:
        milestone = await readable_milestone(session, actor, org_id, milestone_id)
        return await represent_one(session, milestone)


async def update_milestone(
    svc: Services,
    actor: Actor,
    org_id: uuid.UUID,
    milestone_id: uuid.UUID,
    patch: MilestonePatch,
    expected_version: int | None,
) -> MilestoneOut:
    """With `expected_version` (the If-Match), only if the milestone is still at it (412
    otherwise, checked by an atomic compare-and-set); without, last write wins. Switching
    to auto recomputes the progress; a status sent with it wins over the computed one."""
    changes = patch.changes()
    async with svc.tx() as tx:
        m = await MILESTONES.editable(tx, actor, org_id, milestone_id)
        if expected_version is not None and m.version != expected_version:
            raise stale(RESOURCE)
        start = patch.start_date if "start_date" in changes else m.start_date
        due = patch.due_date if "due_date" in changes else m.due_date
        assert start is not None and due is not None  # NotNull fields
        _check_dates(start, due, "due_date" if "due_date" in changes else "start_date")
        mode = changes.get("progress_mode", m.progress_mode) or ProgressMode.AUTO
        if mode == ProgressMode.AUTO and "progress_percentage" in changes:
            raise _percentage_needs_manual()
        values = stored(changes)
        if mode == ProgressMode.AUTO and not is_auto(m):
            values = {**await auto_progress(tx.session, m, switching=True), **values}
        diff = field_changes(m, values)
        if not diff:
            return await represent_one(tx.session, m)
        await MILESTONES.log(tx, actor, MILESTONES.action("UPDATED"), m, {"changes": diff})
        out = await save(svc, tx, actor, m, {k: values[k] for k in diff}, m.version)
        if out is None:
            raise stale(RESOURCE)
        return out
