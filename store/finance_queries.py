"""Read-only aggregates behind financials, health and predictions.

Each function answers for many projects at once (a fixed number of queries for a whole
portfolio). Sums are computed by the database but read back as `Decimal` at the column's
scale (SQLite sums NUMERIC as REAL: the values summed have two decimals, so rounding
the sum to two decimals restores it exactly); every multiplication and division happens
in Python on `Decimal`.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Numeric, and_, func, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from protocol.enums import TaskStatus

from . import projects
from .invoices import status_as_read
from .models import (
    BudgetProjet,
    ConsultantDetails,
    Facture,
    Milestone,
    Profile,
    Projet,
    Tache,
    TempsPasse,
)
from .pagination import page_stmt, split_page

Ids = Sequence[uuid.UUID]


def _sum(column: Any, scale: int = 2) -> ColumnElement[Decimal]:
    return type_coerce(func.coalesce(func.sum(column), 0), Numeric(18, scale, asdecimal=True))


@dataclass(frozen=True)
class HoursRow:
    projet_id: uuid.UUID
    profile_id: uuid.UUID
    statut: str
    heures: Decimal
    entries: int


@dataclass(frozen=True)
class Rates:
    cout: Decimal
    vente: Decimal | None
    statut: str | None


@dataclass(frozen=True)
class MilestoneRow:
    start_date: date
    due_date: date
    progress_percentage: int
    status: str


@dataclass
class TaskStats:
    total: int = 0
    done: int = 0
    overdue: int = 0
    charge_total: Decimal = Decimal(0)
    charge_done: Decimal = Decimal(0)


async def hours_by_profile(
    session: AsyncSession, *, org_id: uuid.UUID, project_ids: Ids
) -> list[HoursRow]:
    """Logged hours per project, person and validation status (NULL reads EN_ATTENTE)."""
    if not project_ids:
        return []
    statut = func.coalesce(TempsPasse.validation_statut, "EN_ATTENTE")
    stmt = (
        select(
            TempsPasse.projet_id,
            TempsPasse.profile_id,
            statut,
            _sum(TempsPasse.heures_travaillees),
            func.count(),
        )
        .where(TempsPasse.organization_id == org_id, TempsPasse.projet_id.in_(project_ids))
        .group_by(TempsPasse.projet_id, TempsPasse.profile_id, statut)
    )
    return [
        HoursRow(p, who, s, Decimal(h), int(n)) for p, who, s, h, n in await session.execute(stmt)
    ]


async def rates_of(
    session: AsyncSession, *, org_id: uuid.UUID, profile_ids: Ids
) -> dict[uuid.UUID, Rates]:
    """Daily cost and sale rates of the organization's consultants among `profile_ids`."""
    if not profile_ids:
        return {}
    stmt = select(
        ConsultantDetails.profile_id,
        ConsultantDetails.taux_journalier_cout,
        ConsultantDetails.taux_journalier_vente,
        ConsultantDetails.statut,
    ).where(
        ConsultantDetails.organization_id == org_id,
        ConsultantDetails.profile_id.in_(set(profile_ids)),
    )
    return {p: Rates(c, v, s) for p, c, v, s in await session.execute(stmt)}


async def invoice_totals(
    session: AsyncSession, *, org_id: uuid.UUID, project_ids: Ids, today: date
) -> dict[uuid.UUID, dict[str, tuple[Decimal, int]]]:
    """Per project: status as read on `today` -> (sum of amounts, count)."""
    result: dict[uuid.UUID, dict[str, tuple[Decimal, int]]] = defaultdict(dict)
    if not project_ids:
        return result
    status = status_as_read(today)
    stmt = (
        select(Facture.projet_id, status, _sum(Facture.montant), func.count())
        .where(Facture.organization_id == org_id, Facture.projet_id.in_(project_ids))
        .group_by(Facture.projet_id, status)
    )
    for projet_id, statut, total, count in await session.execute(stmt):
        result[projet_id][statut] = (Decimal(total), int(count))
    return result


async def budgets_of(
    session: AsyncSession, *, org_id: uuid.UUID, project_ids: Ids
) -> dict[uuid.UUID, BudgetProjet]:
    if not project_ids:
        return {}
    stmt = select(BudgetProjet).where(
        BudgetProjet.organization_id == org_id, BudgetProjet.projet_id.in_(project_ids)
    )
    return {b.projet_id: b for b in await session.scalars(stmt)}


async def milestones_of(
    session: AsyncSession, *, org_id: uuid.UUID, project_ids: Ids
) -> dict[uuid.UUID, list[MilestoneRow]]:
    result: dict[uuid.UUID, list[MilestoneRow]] = defaultdict(list)
    if not project_ids:
        return result
    stmt = select(
        Milestone.projet_id,
        Milestone.start_date,
        Milestone.due_date,
        Milestone.progress_percentage,
        Milestone.status,
    ).where(Milestone.organization_id == org_id, Milestone.projet_id.in_(project_ids))
    for projet_id, start, due, pct, status in await session.execute(stmt):
        assert projet_id is not None  # filtered on it
        result[projet_id].append(MilestoneRow(start, due, int(pct or 0), status))
    return result


async def task_stats(
    session: AsyncSession, *, org_id: uuid.UUID, project_ids: Ids, today: date
) -> dict[uuid.UUID, TaskStats]:
    """Per project: tasks, DONE tasks, overdue tasks (target date passed and not DONE),
    and the estimated workload (`charge_estimee_jh`) of all and of DONE tasks."""
    result: dict[uuid.UUID, TaskStats] = defaultdict(TaskStats)
    if not project_ids:
        return result
    done = Tache.statut == TaskStatus.DONE.value
    overdue = and_(Tache.date_fin_cible.is_not(None), Tache.date_fin_cible < today, ~done)
    charge = func.coalesce(Tache.charge_estimee_jh, 0)
    stmt = (
        select(Tache.projet_id, done, overdue, func.count(), _sum(charge))
        .where(Tache.organization_id == org_id, Tache.projet_id.in_(project_ids))
        .group_by(Tache.projet_id, done, overdue)
    )
    for projet_id, is_done, is_overdue, count, total in await session.execute(stmt):
        stats = result[projet_id]
        stats.total += int(count)
        stats.charge_total += Decimal(total)
        if is_done:
            stats.done += int(count)
            stats.charge_done += Decimal(total)
        if is_overdue:
            stats.overdue += int(count)
    return result


async def active_projects(session: AsyncSession, *, org_id: uuid.UUID) -> list[Projet]:
    stmt = projects.table.where(org_id, None, Projet.statut == "ACTIF")
    return list(await session.scalars(stmt.order_by(*projects.table.order)))


# Utilization --------------------------------------------------------------------------


async def consultants_page(
    session: AsyncSession, *, org_id: uuid.UUID, cursor: str | None, limit: int
) -> tuple[list[tuple[uuid.UUID, str | None, str | None]], str | None]:
    """The organization's consultants (`consultant_details`) with their names, by id."""
    stmt = (
        select(ConsultantDetails.profile_id, Profile.prenom, Profile.nom)
        .join(Profile, Profile.id == ConsultantDetails.profile_id)
        .where(ConsultantDetails.organization_id == org_id)
    )
    stmt = page_stmt(stmt, [ConsultantDetails.profile_id], [uuid.UUID], cursor=cursor, limit=limit)
    rows = [(p, prenom, nom) for p, prenom, nom in await session.execute(stmt)]
    return split_page(rows, limit, lambda row: (row[0],))


async def hours_in_period(
    session: AsyncSession, *, org_id: uuid.UUID, profile_ids: Ids, start: date, end: date
) -> dict[uuid.UUID, dict[str, Decimal]]:
    """Per person: validation status -> hours logged between `start` and `end` inclusive,
    on any project of the organization."""
    result: dict[uuid.UUID, dict[str, Decimal]] = defaultdict(dict)
    if not profile_ids:
        return result
    statut = func.coalesce(TempsPasse.validation_statut, "EN_ATTENTE")
    stmt = (
        select(TempsPasse.profile_id, statut, _sum(TempsPasse.heures_travaillees))
        .where(
            TempsPasse.organization_id == org_id,
            TempsPasse.profile_id.in_(profile_ids),
            TempsPasse.date >= start,
            TempsPasse.date <= end,
        )
        .group_by(TempsPasse.profile_id, statut)
    )
    for profile_id, s, hours in await session.execute(stmt):
        result[profile_id][s] = Decimal(hours)
    return result
