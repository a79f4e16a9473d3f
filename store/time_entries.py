"""Time entries (`temps_passe`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Projet, TempsPasse
from .pagination import fetch_page
from .scoped import Scoped


@dataclass(frozen=True)
class EntryFilter:
    """Which entries a list, an export or a timesheet reads (None: any)."""

    profile_id: uuid.UUID | None = None
    projet_id: uuid.UUID | None = None
    start: date | None = None
    end: date | None = None
    statut: str | None = None


# An entry belongs to the organization; its project is a field, checked by the service.
table = Scoped(TempsPasse, (TempsPasse.date, date), by_project=False)


def _filtered(org_id: uuid.UUID, where: EntryFilter) -> Select[TempsPasse]:
    stmt = select(TempsPasse).where(TempsPasse.organization_id == org_id)
    if where.profile_id is not None:
        stmt = stmt.where(TempsPasse.profile_id == where.profile_id)
    if where.projet_id is not None:
        stmt = stmt.where(TempsPasse.projet_id == where.projet_id)
    if where.start is not None:
        stmt = stmt.where(TempsPasse.date >= where.start)
    if where.end is not None:
        stmt = stmt.where(TempsPasse.date <= where.end)
    if where.statut is not None:
        stmt = stmt.where(TempsPasse.validation_statut == where.statut)
    return stmt


async def hours_on(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    profile_id: uuid.UUID,
    day: date,
    exclude_id: uuid.UUID | None = None,
) -> list[Decimal]:
    """The hours of each of the person's entries on `day` (any state), to be summed
    exactly in Python (SQLite sums NUMERIC as floating point)."""
    stmt = select(TempsPasse.heures_travaillees).where(
        TempsPasse.organization_id == org_id,
        TempsPasse.profile_id == profile_id,
        TempsPasse.date == day,
    )
    if exclude_id is not None:
        stmt = stmt.where(TempsPasse.id != exclude_id)
    return list(await session.scalars(stmt))


async def list_entries(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    where: EntryFilter,
    cursor: str | None,
    limit: int,
    descending: bool = True,
) -> tuple[list[TempsPasse], str | None]:
    """By date (newest first unless `descending` is False), then id."""
    stmt = _filtered(org_id, where)
    kinds, columns = table.kinds, table.order
    return await fetch_page(
        session, stmt, columns, cursor, limit, kinds=kinds, descending=descending
    )


async def entries_with_projects(
    session: AsyncSession, *, org_id: uuid.UUID, where: EntryFilter
) -> list[tuple[TempsPasse, str]]:
    """Every matching entry with its project's name, by date; for bounded periods
    (a timesheet's week)."""
    stmt = (
        _filtered(org_id, where)
        .add_columns(Projet.nom)
        .join(Projet, Projet.id == TempsPasse.projet_id)
        .order_by(TempsPasse.date, TempsPasse.id)
    )
    return [(e, nom) for e, nom in (await session.execute(stmt)).all()]
