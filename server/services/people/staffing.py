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
from typing import Any

from protocol.delivery import StaffingCreate, StaffingOut, StaffingPatch
from protocol.errors import AppError, ErrorCode
from store import staffing as store
from store.models import Affectation

from ...actor import Actor
from ..core import Services, Tx, invalid
from ..resource import ProjectResource, project_scope, require_manager


def _check_period(start: date, end: date | None, field: str) -> None:
    if end is not None and end < start:
        raise invalid(["body", field], "date_fin must not be before date_debut")


def active_by_day(
    rows: list[Affectation], start: date, end: date | None
) -> list[list[Affectation]]:
    """The assignments among `rows` active on `start` and on each later day of [start,
    end] (None: open-ended) where one of them starts: a load only rises where a period
    starts, so those are the days to try."""
    starts = {r.date_debut for r in rows if r.date_debut > start}
    days = sorted({start} | {day for day in starts if end is None or day <= end})
    return [
        [r for r in rows if r.date_debut <= day and (r.date_fin is None or r.date_fin >= day)]
        for day in days
    ]


def _peak_conflicts(
    rows: list[Affectation], start: date, pct: int
) -> tuple[list[Affectation], int]:
    """The assignments that, with `pct` more, go over 100% on some day, and the highest
    load they reach without it. `rows` all overlap the new period, which starts at
    `start`."""
    conflicting: dict[uuid.UUID, Affectation] = {}
    peak = 0
    for active in active_by_day(rows, start, None):
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
    rows = await store.overlapping_assignments(
        tx.session,
        org_id=org_id,
        profile_ids=[profile_id],
        start=start,
        end=end,
        exclude_id=exclude_id,
        lock=True,
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


def _valid_period(req: StaffingCreate) -> None:
    _check_period(req.date_debut, req.date_fin, "date_fin")


async def _allocation_left(tx: Tx, org_id: uuid.UUID, req: StaffingCreate) -> None:
    if not await store.lock_consultant(tx.session, org_id=org_id, profile_id=req.profile_id):
        raise invalid(["body", "profile_id"], "not a member of the organization")
    await _check_allocation(
        tx, org_id, req.profile_id, req.date_debut, req.date_fin, req.allocation_pct
    )


async def _still_fits(
    tx: Tx, row: Affectation, values: dict[str, Any], changed: dict[str, Any]
) -> None:
    """An update's period must be valid and, when it or the share changes, fit the
    consultant's other assignments (the caller holds the consultant's lock)."""

    def new(name: str) -> Any:
        return values[name] if values.get(name) is not None else getattr(row, name)

    end = values.get("date_fin", row.date_fin)
    _check_period(new("date_debut"), end, "date_fin" if "date_fin" in values else "date_debut")
    if changed.keys() & {"date_debut", "date_fin", "allocation_pct"}:
        start, pct = new("date_debut"), new("allocation_pct")
        await _check_allocation(
            tx, row.organization_id, row.profile_id, start, end, pct, exclude_id=row.id
        )


STAFFING: ProjectResource[Affectation, StaffingOut] = ProjectResource(
    name="staffing",
    missing="assignment",
    table=store.table,
    out=StaffingOut,
    label="profile_id",
    filters=("profile_id",),
    write=require_manager,
    validate=_valid_period,
    before_create=_allocation_left,
    before_update=_still_fits,
    update_names_project=False,
)


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
    async with svc.tx() as tx:
        member, project = await project_scope(tx.session, actor, org_id, project_id)
        await require_manager(tx.session, member, project)
        row = await STAFFING.row(tx.session, project, assignment_id, for_update=False)
        if not await store.lock_consultant(tx.session, org_id=org_id, profile_id=row.profile_id):
            raise AppError(
                ErrorCode.CONFLICT, "the consultant is no longer a member of the organization"
            )
        row = await STAFFING.row(tx.session, project, assignment_id, for_update=True)
        return await STAFFING.apply_update(tx, actor, row, patch, {})
