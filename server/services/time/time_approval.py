"""Approving time: bulk validation or rejection by managers, reopening by admins.

A decision is all or nothing: every named entry must be `EN_ATTENTE`, else nothing
changes and the 409 lists the others with their state. Entries are locked in id order
(concurrent decisions over overlapping sets queue instead of deadlocking, and the
second one then sees the first one's result). Each decided entry gets one activity row;
each consultant gets one notification per decision batch (none for the decider's own
entries, nor for someone who can no longer read them), in the same transaction.

Reopening (`Action.REOPEN_TIME`, ADMIN and OWNER) puts a `VALIDE` entry back to
`EN_ATTENTE`, where its owner or a manager may correct it; the activity log keeps who
had validated it and when.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from protocol.enums import ActivityAction, NotificationType, ValidationStatus
from protocol.errors import AppError, ErrorCode
from protocol.time import TimeEntryList, TimeEntryOut, TimeValidation
from store import time_entries as store
from store.models import TempsPasse
from store.scoped import update_row

from ...actor import Actor
from ...policy import Action, can_read_own_time, membership, require_member
from .. import live_business
from ..core import Services, Tx, refuse_unknown
from ..notifications import Notice, notify
from .time_entries import entry_out, entry_row, hours, log


async def _notify_owners(
    svc: Services,
    tx: Tx,
    actor: Actor,
    org_id: uuid.UUID,
    rows: list[TempsPasse],
    req: TimeValidation,
) -> None:
    by_owner: dict[uuid.UUID, list[TempsPasse]] = defaultdict(list)
    for row in rows:
        if row.profile_id != actor.user_id:
            by_owner[row.profile_id].append(row)
    rejected = req.decision == ValidationStatus.REJETE
    for owner, entries in by_owner.items():
        member = await membership(tx.session, org_id, owner)
        if member is None or not can_read_own_time(member):
            continue  # left the organization (or no longer logs time): nothing to read
        total = hours(sum((e.heures_travaillees for e in entries), Decimal(0)))
        count = len(entries)
        verb = "rejetée" if rejected else "validée"
        noun = "saisie de temps" + ("" if count == 1 else "s")
        title = f"{count} {noun} {verb}{'' if count == 1 else 's'} ({total} h)"
        notice = Notice(
            NotificationType.TIME_REJECTED if rejected else NotificationType.TIME_VALIDATED,
            title,
            req.motif if rejected else None,
            f"/orgs/{org_id}/time-entries?validation_statut={req.decision.value}",
            {
                "entry_ids": [str(e.id) for e in entries],
                "decision": req.decision.value,
                "heures": str(total),
                "validated_by": str(actor.user_id),
            },
        )
        await notify(svc, tx, org_id, owner, notice)


async def decide(
    svc: Services, actor: Actor, org_id: uuid.UUID, req: TimeValidation
) -> TimeEntryList:
    """Validate or reject every entry of `req.ids` (duplicates count once); the entries
    as they now are, in the order asked."""
    ids = list(dict.fromkeys(req.ids))
    async with svc.tx() as tx:
        await require_member(tx.session, org_id, actor.user_id, Action.VALIDATE_TIME)
        rows = await store.table.lock(tx.session, org_id=org_id, row_ids=ids)
        known = {r.id for r in rows}
        refuse_unknown(["body", "ids"], req.ids, known, "no such time entry in the organization")
        settled = [r for r in rows if r.validation_statut != ValidationStatus.EN_ATTENTE]
        if settled:
            msg = "only pending entries can be validated or rejected; nothing was changed"
            states = [{"id": str(r.id), "validation_statut": r.validation_statut} for r in settled]
            raise AppError(ErrorCode.CONFLICT, msg, {"not_pending": states})
        rejected = req.decision == ValidationStatus.REJETE
        values: dict[str, Any] = {
            "validation_statut": req.decision.value,
            "validated_by": actor.user_id,
            "validated_at": datetime.now(UTC),
            "motif_rejet": req.motif if rejected else None,
        }
        action = (
            ActivityAction.TIME_ENTRY_REJECTED if rejected else ActivityAction.TIME_ENTRY_VALIDATED
        )
        for row in rows:
            await update_row(tx.session, row, values)
            meta = {"motif": req.motif} if rejected and req.motif else {}
            await log(tx, actor, row, action, meta)
            await live_business.time_entry_changed(tx, row, entry_out(row))
        await _notify_owners(svc, tx, actor, org_id, rows, req)
        by_id = {r.id: r for r in rows}
        return TimeEntryList(items=[entry_out(by_id[i]) for i in ids])


async def reopen(
    svc: Services, actor: Actor, org_id: uuid.UUID, entry_id: uuid.UUID
) -> TimeEntryOut:
    """Only a `VALIDE` entry can be reopened (409 otherwise)."""
    async with svc.tx() as tx:
        await require_member(tx.session, org_id, actor.user_id, Action.REOPEN_TIME)
        entry = await entry_row(tx.session, org_id, entry_id)
        if entry.validation_statut != ValidationStatus.VALIDE:
            raise AppError(
                ErrorCode.CONFLICT,
                "only a validated entry can be reopened",
                {"validation_statut": entry.validation_statut},
            )
        meta = {
            "validated_by": str(entry.validated_by) if entry.validated_by else None,
            "validated_at": entry.validated_at.isoformat() if entry.validated_at else None,
        }
        pending = ValidationStatus.EN_ATTENTE.value
        values = {"validation_statut": pending, "validated_by": None, "validated_at": None}
        await update_row(tx.session, entry, values)
        await log(tx, actor, entry, ActivityAction.TIME_ENTRY_REOPENED, meta)
        await live_business.time_entry_changed(tx, entry, entry_out(entry))
        return entry_out(entry)
