"""Time entries (`temps_passe`): logging, correcting and deleting them.

Who: consultants and members log time for themselves, managers and above for any member
who logs time (server/policy.py); a CLIENT contact does none of it. What: hours in
(0, 24], a person's entries of one date at most 24 h in total (409 naming the date), a
date not in the future (UTC), a project of the organization and a task of that project.
The per-day total is checked with the person's membership row locked, so two concurrent
entries for one person cannot both pass it. (The total is per organization: a person
working for two firms has two independent timesheets, and one firm must not learn the
other's hours from a refusal.)

State: an entry is created `EN_ATTENTE`. While pending, its owner or a manager may
change or delete it; once `REJETE`, only its owner may, and a change (even an empty
one) resubmits it (`EN_ATTENTE`, rejection cleared). A `VALIDE` entry is locked (409)
until an ADMIN reopens it (server/services/time/time_approval.py).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from protocol.common import Page
from protocol.enums import ActivityAction, MemberRole, ValidationStatus
from protocol.errors import AppError, ErrorCode, FieldError
from protocol.time import (
    TimeEntryCreate,
    TimeEntryFilter,
    TimeEntryOut,
    TimeEntryPatch,
    TimeEntryQuery,
)
from store import organizations, projects, tasks
from store import time_entries as store
from store.models import TempsPasse
from store.scoped import delete_row, update_row

from ...actor import Actor
from ...policy import (
    ROLE_ACTIONS,
    Action,
    Member,
    check_time_author,
    check_time_editor,
    require_member,
    time_reader_scope,
)
from .. import live_business
from ..batches import Read, batches
from ..changes import created_fields, field_changes
from ..clock import org_today
from ..core import Services, Tx, found, invalid, refuse
from ..idempotency import once, request_hash
from ..resource import RowLog, out_of

ENTRY = "time_entry"
CREATE_ROUTE = "POST /orgs/{org}/time-entries"
DAY_LIMIT = Decimal(24)
CENT = Decimal("0.01")
EXPORT_BATCH = 500


def hours(value: Decimal) -> Decimal:
    return value.quantize(CENT)


def entry_out(e: TempsPasse) -> TimeEntryOut:
    statut = e.validation_statut or ValidationStatus.EN_ATTENTE
    return out_of(
        TimeEntryOut, e, heures_travaillees=hours(e.heures_travaillees), validation_statut=statut
    )


log = RowLog(ENTRY)
# What an entry's project, task, date and hours are checked against when one changes.
CHECKED = ("projet_id", "tache_id", "date", "heures_travaillees")


async def entry_row(session: AsyncSession, org_id: uuid.UUID, entry_id: uuid.UUID) -> TempsPasse:
    """The organization's entry, locked until the transaction ends, or the 404."""
    return found(
        await store.table.get(session, org_id=org_id, row_id=entry_id, for_update=True), ENTRY
    )


async def _reference_errors(
    session: AsyncSession, org_id: uuid.UUID, values: dict[str, Any], now: datetime
) -> list[FieldError]:
    """What is wrong with the project, task and date an entry would store; "the future"
    begins tomorrow in the organization's time zone."""
    errors = []
    project = await projects.get_project(session, org_id=org_id, project_id=values["projet_id"])
    if project is None:
        errors.append(
            FieldError(loc=["body", "projet_id"], msg="not a project of the organization")
        )
    tache_id = values.get("tache_id")
    if tache_id is not None:
        task = await tasks.get_task(session, org_id=org_id, task_id=tache_id)
        if task is None or task.projet_id != values["projet_id"]:
            errors.append(FieldError(loc=["body", "tache_id"], msg="not a task of the project"))
    if values["date"] > await org_today(session, org_id, now):
        errors.append(FieldError(loc=["body", "date"], msg="must not be in the future"))
    return errors


async def _check_day_total(
    session: AsyncSession,
    org_id: uuid.UUID,
    profile_id: uuid.UUID,
    day: date,
    extra: Decimal,
    exclude_id: uuid.UUID | None = None,
) -> None:
    """409 when `extra` hours more on `day` would put the person over 24 h. The caller
    holds the person's membership row locked."""
    where: dict[str, Any] = {"org_id": org_id, "profile_id": profile_id, "day": day}
    logged = sum(await store.hours_on(session, **where, exclude_id=exclude_id), Decimal(0))
    if logged + extra > DAY_LIMIT:
        raise AppError(
            ErrorCode.CONFLICT,
            f"more than 24 h would be logged on {day.isoformat()}",
            {
                "date": day.isoformat(),
                "logged_hours": str(hours(logged)),
                "requested_hours": str(hours(extra)),
            },
        )


async def _lock_author(session: AsyncSession, org_id: uuid.UUID, profile_id: uuid.UUID) -> bool:
    """Lock the person's membership row; False when they are not a member who logs time."""
    row = await organizations.get_membership(
        session, org_id=org_id, user_id=profile_id, for_update=True
    )
    return row is not None and Action.LOG_TIME in ROLE_ACTIONS[MemberRole(row.role)]


async def _create(
    tx: Tx,
    actor: Actor,
    org_id: uuid.UUID,
    profile_id: uuid.UUID,
    req: TimeEntryCreate,
    now: datetime,
) -> TempsPasse:
    fields = req.model_dump(exclude={"profile_id"})
    errors = await _reference_errors(tx.session, org_id, fields, now)
    if not await _lock_author(tx.session, org_id, profile_id):
        errors.append(FieldError(loc=["body", "profile_id"], msg="not a member who logs time here"))
    refuse(errors)
    await _check_day_total(tx.session, org_id, profile_id, req.date, req.heures_travaillees)
    fields["profile_id"] = profile_id
    entry = await store.table.create(tx.session, org_id=org_id, fields=fields)
    await log(tx, actor, entry, ActivityAction.TIME_ENTRY_CREATED, created_fields(fields))
    await live_business.time_entry_changed(tx, entry, entry_out(entry), created=True)
    return entry


async def create_time_entry(
    svc: Services, actor: Actor, org_id: uuid.UUID, req: TimeEntryCreate, key: str | None = None
) -> tuple[int, TimeEntryOut]:
    """The new entry (201), or, for a key already used by the caller here with the same
    body, the first answer again without creating anything."""
    async with svc.tx() as tx:
        member = await require_member(tx.session, org_id, actor.user_id)
        profile_id = req.profile_id or actor.user_id
        check_time_author(member, profile_id)

        async def produce() -> tuple[int, Any]:
            entry = await _create(tx, actor, org_id, profile_id, req, svc.clock())
            return 201, entry_out(entry).model_dump(mode="json")

        user, digest = actor.user_id, request_hash(req)
        status, body = await once(svc, tx, org_id, user, CREATE_ROUTE, key, digest, produce)
    return status, TimeEntryOut.model_validate(body)


async def editable_entry(tx: Tx, member: Member, entry_id: uuid.UUID) -> TempsPasse:
    """The entry, locked, if `member` may change it in its current state."""
    entry = await entry_row(tx.session, member.org_id, entry_id)
    statut = entry.validation_statut
    check_time_editor(member, entry.profile_id, rejected=statut == ValidationStatus.REJETE)
    if statut == ValidationStatus.VALIDE:
        raise AppError(
            ErrorCode.CONFLICT,
            "a validated entry is locked; an admin may reopen it",
            {"id": str(entry.id)},
        )
    return entry


async def update_time_entry(
    svc: Services, actor: Actor, org_id: uuid.UUID, entry_id: uuid.UUID, patch: TimeEntryPatch
) -> TimeEntryOut:
    """Re-checks everything the change touches. Changing the project needs a task of
    the new project, or `tache_id: null`."""
    changes = patch.changes()
    async with svc.tx() as tx:
        member = await require_member(tx.session, org_id, actor.user_id)
        entry = await editable_entry(tx, member, entry_id)
        merged = {**{name: getattr(entry, name) for name in CHECKED}, **changes}
        diff = field_changes(entry, changes)
        if diff.keys() & {"projet_id", "tache_id", "date"}:
            refuse(await _reference_errors(tx.session, org_id, merged, svc.clock()))
        if diff.keys() & {"date", "heures_travaillees"}:
            await _lock_author(tx.session, org_id, entry.profile_id)
            day, extra = merged["date"], merged["heures_travaillees"]
            await _check_day_total(tx.session, org_id, entry.profile_id, day, extra, entry.id)
        values = {k: changes[k] for k in diff}
        meta: dict[str, Any] = {"changes": diff}
        if entry.validation_statut == ValidationStatus.REJETE:
            values.update(
                validation_statut=ValidationStatus.EN_ATTENTE.value,
                motif_rejet=None,
                validated_by=None,
                validated_at=None,
            )
            meta["resubmitted"] = True
        if values:
            await update_row(tx.session, entry, values)
            await log(tx, actor, entry, ActivityAction.TIME_ENTRY_UPDATED, meta)
            await live_business.time_entry_changed(tx, entry, entry_out(entry))
        return entry_out(entry)


async def delete_time_entry(
    svc: Services, actor: Actor, org_id: uuid.UUID, entry_id: uuid.UUID
) -> None:
    async with svc.tx() as tx:
        member = await require_member(tx.session, org_id, actor.user_id)
        entry = await editable_entry(tx, member, entry_id)
        meta = {
            "date": entry.date.isoformat(),
            "heures_travaillees": str(hours(entry.heures_travaillees)),
            "projet_id": str(entry.projet_id),
        }
        await log(tx, actor, entry, ActivityAction.TIME_ENTRY_DELETED, meta)
        await delete_row(tx.session, entry)


def _filter(member: Member, query: TimeEntryFilter) -> store.EntryFilter:
    """The filter as the caller may apply it: a non-manager reads only their own entries
    (another `profile_id` is a 403); `from` after `to` is a 422."""
    scope = time_reader_scope(member, query.profile_id)
    if query.from_ is not None and query.to is not None and query.to < query.from_:
        raise invalid(["query", "to"], "must not be before from")
    return store.EntryFilter(
        profile_id=scope,
        projet_id=query.projet_id,
        start=query.from_,
        end=query.to,
        statut=query.validation_statut.value if query.validation_statut else None,
    )


def _reader(
    org_id: uuid.UUID, where: store.EntryFilter, limit: int, descending: bool
) -> Read[TimeEntryOut]:
    """Pages of `limit` entries `where` selects, by date (newest first when
    `descending`), then id."""

    async def read(
        session: AsyncSession, cursor: str | None
    ) -> tuple[list[TimeEntryOut], str | None]:
        rows, cursor = await store.list_entries(
            session, org_id=org_id, where=where, cursor=cursor, limit=limit, descending=descending
        )
        return [entry_out(e) for e in rows], cursor

    return read


async def list_time_entries(
    svc: Services, actor: Actor, org_id: uuid.UUID, query: TimeEntryQuery
) -> Page[TimeEntryOut]:
    """Newest date first."""
    async with svc.sessions() as session:
        member = await require_member(session, org_id, actor.user_id)
        read = _reader(org_id, _filter(member, query), query.limit, descending=True)
        items, cursor = await read(session, query.cursor)
    return Page(items=items, next_cursor=cursor)


async def export_time_entries(
    svc: Services, actor: Actor, org_id: uuid.UUID, query: TimeEntryFilter
) -> AsyncIterator[list[TimeEntryOut]]:
    """Checks access now, then yields every matching entry, oldest date first, in
    `batches`."""
    async with svc.sessions() as session:
        member = await require_member(session, org_id, actor.user_id)
        where = _filter(member, query)
    return batches(svc, org_id, _reader(org_id, where, EXPORT_BATCH, descending=False))
