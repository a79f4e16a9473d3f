"""Staffing (`affectation`): consultants on a project for a period at a share of their time.

Managers and above write it; the project's readers read it. A consultant's allocation
may not exceed 100% on any day across all the organization's projects (periods are
inclusive days; `date_fin` null is open-ended). The check runs with the consultant's
membership row locked, then their overlapping assignments, so two concurrent writes for
one consultant run one after the other and cannot both pass it.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from protocol.common import Page
from protocol.delivery import StaffingCreate, StaffingOut, StaffingPatch, StaffingQuery
from protocol.enums import ActivityAction
from protocol.errors import AppError, ErrorCode, FieldError, not_found, validation_error
from store import assignments as staffing
from store.models import Affectation, Projet

from ..actor import Actor
from ..policy import Action, require
from .changes import created_fields, field_changes
from .core import Services, Tx
from .resource import log
from .resource import project_scope as readable_project

STAFFING = "staffing"


def staffing_out(a: Affectation) -> StaffingOut:
    return StaffingOut(
        id=a.id,
        organization_id=a.organization_id,
        projet_id=a.projet_id,
        profile_id=a.profile_id,
        role=a.role,
        date_debut=a.date_debut,
        date_fin=a.date_fin,
        allocation_pct=a.allocation_pct,
        created_at=a.created_at,
        updated_at=a.updated_at,
    )


def _check_period(start: date, end: date | None, field: str) -> None:
    if end is not None and end < start:
        raise validation_error(
            [FieldError(loc=["body", field], msg="date_fin must not be before date_debut")]
        )


def _peak_conflicts(
    rows: list[Affectation], start: date, pct: int
) -> tuple[list[Affectation], int]:
    """The assignments that, with `pct` more, go over 100% on some day, and the highest
    load they reach without it. `rows` all overlap the new period, which starts at
    `start`; a load only rises where a period starts, so those days are the ones to try."""
    days = {start} | {r.date_debut for r in rows if r.date_debut > start}
    conflicting: dict[uuid.UUID, Affectation] = {}
    peak = 0
    for day in sorted(days):
        active = [
            r for r in rows if r.date_debut <= day and (r.date_fin is None or r.date_fin >= day)
        ]
        load = sum(r.allocation_pct for r in active)
        peak = max(peak, load)
        if load + pct > 100:
            conflicting.update((r.id, r) for r in active)
    return list(conflicting.values()), peak


async def _check_allocation(
    tx: Tx,
    org_id: uuid.UUID,
    profile_id: uuid.UUID,
    start: date,
    end: date | None,
    pct: int,
    exclude_id: uuid.UUID | None = None,
) -> None:
    """409 naming the conflicting assignments when `pct` more on [start, end] would put
    the consultant over 100% on any day. The caller holds the consultant's lock
    (`staffing.lock_consultant`); the overlapping rows are locked here."""
    rows = await staffing.overlapping_assignments(
        tx.session,
        org_id=org_id,
        profile_id=profile_id,
        start=start,
        end=end,
        exclude_id=exclude_id,
    )
    conflicting, peak = _peak_conflicts(rows, start, pct)
    if conflicting:
        raise AppError(
            ErrorCode.CONFLICT,
            "the consultant would be allocated over 100% on overlapping dates",
            {
                "conflicting_assignment_ids": [str(r.id) for r in conflicting],
                "allocated_pct": peak,
                "requested_pct": pct,
            },
        )


async def _manageable_project(
    tx: Tx, actor: Actor, org_id: uuid.UUID, project_id: uuid.UUID
) -> Projet:
    member, project = await readable_project(tx.session, actor, org_id, project_id)
    require(member, Action.MANAGE_PROJECTS)
    return project


async def create_staffing(
    svc: Services, actor: Actor, org_id: uuid.UUID, project_id: uuid.UUID, req: StaffingCreate
) -> StaffingOut:
    _check_period(req.date_debut, req.date_fin, "date_fin")
    async with svc.tx() as tx:
        project = await _manageable_project(tx, actor, org_id, project_id)
        if not await staffing.lock_consultant(tx.session, org_id=org_id, profile_id=req.profile_id):
            raise validation_error(
                [FieldError(loc=["body", "profile_id"], msg="not a member of the organization")]
            )
        await _check_allocation(
            tx, org_id, req.profile_id, req.date_debut, req.date_fin, req.allocation_pct
        )
        fields = req.model_dump()
        row = await staffing.create_assignment(
            tx.session, org_id=org_id, project_id=project.id, fields=fields
        )
        await log(
            tx,
            actor,
            org_id,
            ActivityAction.STAFFING_CREATED,
            STAFFING,
            row.id,
            {"projet_id": str(project.id), "fields": created_fields(fields)},
        )
        return staffing_out(row)


async def list_staffing(
    svc: Services, actor: Actor, org_id: uuid.UUID, project_id: uuid.UUID, query: StaffingQuery
) -> Page[StaffingOut]:
    async with svc.sessions() as session:
        _, project = await readable_project(session, actor, org_id, project_id)
        rows, cursor = await staffing.list_assignments(
            session,
            org_id=org_id,
            project_id=project.id,
            cursor=query.cursor,
            limit=query.limit,
            profile_id=query.profile_id,
        )
    return Page(items=[staffing_out(r) for r in rows], next_cursor=cursor)


async def _staffing(
    session: AsyncSession,
    org_id: uuid.UUID,
    project: Projet,
    assignment_id: uuid.UUID,
    *,
    for_update: bool = False,
) -> Affectation:
    row = await staffing.get_assignment(
        session,
        org_id=org_id,
        project_id=project.id,
        assignment_id=assignment_id,
        for_update=for_update,
    )
    if row is None:
        raise not_found("assignment")
    return row


async def get_staffing(
    svc: Services, actor: Actor, org_id: uuid.UUID, project_id: uuid.UUID, assignment_id: uuid.UUID
) -> StaffingOut:
    async with svc.sessions() as session:
        _, project = await readable_project(session, actor, org_id, project_id)
        return staffing_out(await _staffing(session, org_id, project, assignment_id))


async def update_staffing(
    svc: Services,
    actor: Actor,
    org_id: uuid.UUID,
    project_id: uuid.UUID,
    assignment_id: uuid.UUID,
    patch: StaffingPatch,
) -> StaffingOut:
    """A new period or share is checked against the consultant's other assignments.

    Locks in the order a creation does (consultant, then assignment rows): the row is
    read once to learn its consultant, then again under the consultant's lock."""
    changes = patch.changes()
    async with svc.tx() as tx:
        project = await _manageable_project(tx, actor, org_id, project_id)
        row = await _staffing(tx.session, org_id, project, assignment_id)
        if not await staffing.lock_consultant(tx.session, org_id=org_id, profile_id=row.profile_id):
            raise AppError(
                ErrorCode.CONFLICT, "the consultant is no longer a member of the organization"
            )
        row = await _staffing(tx.session, org_id, project, assignment_id, for_update=True)
        start = patch.date_debut if patch.date_debut is not None else row.date_debut
        end = patch.date_fin if "date_fin" in changes else row.date_fin
        pct = patch.allocation_pct if patch.allocation_pct is not None else row.allocation_pct
        _check_period(start, end, "date_fin" if "date_fin" in changes else "date_debut")
        diff = field_changes(row, changes)
        if diff.keys() & {"date_debut", "date_fin", "allocation_pct"}:
            await _check_allocation(tx, org_id, row.profile_id, start, end, pct, exclude_id=row.id)
        if diff:
            await staffing.update_assignment(tx.session, row, {k: changes[k] for k in diff})
            await log(
                tx,
                actor,
                org_id,
                ActivityAction.STAFFING_UPDATED,
                STAFFING,
                row.id,
                {"changes": diff},
            )
        return staffing_out(row)


async def delete_staffing(
    svc: Services, actor: Actor, org_id: uuid.UUID, project_id: uuid.UUID, assignment_id: uuid.UUID
) -> None:
    async with svc.tx() as tx:
        project = await _manageable_project(tx, actor, org_id, project_id)
        row = await _staffing(tx.session, org_id, project, assignment_id)
        await log(
            tx,
            actor,
            org_id,
            ActivityAction.STAFFING_DELETED,
            STAFFING,
            row.id,
            {"projet_id": str(project.id), "profile_id": str(row.profile_id)},
        )
        await staffing.delete_assignment(tx.session, row)
