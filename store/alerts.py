"""What was last alerted about each subject (`alert_states`), and the few reads the
alerts need: an organization's late invoices, time waiting."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from protocol.enums import PaymentStatus, ValidationStatus

from . import time_entries
from .invoices import has_status
from .models import AlertState, Facture, Projet, TempsPasse
from .scoped import insert_row


async def swap_state(
    session: AsyncSession, *, org_id: uuid.UUID, kind: str, subject_id: uuid.UUID, state: str
) -> str | None:
    """Store `state` as the last one of (`kind`, `subject_id`); answer the one stored
    before (None the first time). The caller holds what serialises the subject (the
    project row, the job's round), so select-then-write does not race."""
    subject = {"organization_id": org_id, "kind": kind, "subject_id": subject_id}
    row = await session.scalar(select(AlertState).filter_by(**subject))
    if row is None:
        await insert_row(session, AlertState(**subject, state=state))
        return None
    before = row.state
    row.state = state
    return before


async def invoices_with_lateness(
    session: AsyncSession, *, org_id: uuid.UUID, today: date
) -> list[tuple[Facture, Projet, bool]]:
    """Every invoice of the organization with its project and whether it reads late on
    the firm's `today`."""
    rows = await session.execute(
        select(Facture, Projet, has_status(PaymentStatus.RETARD, today))
        .join(Projet, Projet.id == Facture.projet_id)
        .where(Facture.organization_id == org_id)
        .order_by(Facture.id)
    )
    return [(f, p, bool(late)) for f, p, late in rows]


async def pending_time(
    session: AsyncSession, *, org_id: uuid.UUID, submitted_before: datetime
) -> list[TempsPasse]:
    """Time entries of the organization waiting for validation, created before the
    instant `submitted_before`, oldest first."""
    waiting = TempsPasse.validation_statut == ValidationStatus.EN_ATTENTE.value
    stmt = time_entries.table.where(org_id, None, waiting, TempsPasse.created_at < submitted_before)
    return list(await session.scalars(stmt.order_by(TempsPasse.created_at, TempsPasse.id)))
