"""Invoices (`facture`) and their payment status as read.

An unpaid invoice past its due date reads RETARD: the status is computed in every query
from `statut_paiement`, `date_echeance` and the day of the read, never written back by a
read. A stored NULL status (the schema allows it) reads as EN_ATTENTE.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from protocol.enums import PaymentStatus, ValidationStatus

from .consultants import details_of
from .db import upsert
from .models import ConsultantDetails, Facture, InvoiceCounter, Profile, TempsPasse
from .projects import in_contacts_projects
from .scoped import Scoped, insert_row, update_row, update_where

# Newest invoice date first.
table = Scoped(Facture, (Facture.date_facturation, date), descending=True, by_project=False)
_PAID = PaymentStatus.PAYE.value
_LATE = PaymentStatus.RETARD.value


def is_late(today: date) -> ColumnElement[bool]:
    """Stored RETARD, or not paid and past its due date."""
    stored = func.coalesce(Facture.statut_paiement, PaymentStatus.EN_ATTENTE.value)
    overdue = and_(
        stored != _PAID, Facture.date_echeance.is_not(None), Facture.date_echeance < today
    )
    return or_(stored == _LATE, overdue)


def status_as_read(today: date) -> ColumnElement[str]:
    return case(
        (Facture.statut_paiement == _PAID, _PAID),
        (is_late(today), _LATE),
        else_=PaymentStatus.EN_ATTENTE.value,
    )


def has_status(status: PaymentStatus, today: date) -> ColumnElement[bool]:
    if status is PaymentStatus.PAYE:
        return Facture.statut_paiement == _PAID
    unpaid = or_(Facture.statut_paiement.is_(None), Facture.statut_paiement != _PAID)
    late = is_late(today)
    return and_(unpaid, late if status is PaymentStatus.RETARD else not_(late))


async def create_invoice(
    session: AsyncSession, *, org_id: uuid.UUID, fields: dict[str, Any]
) -> Facture:
    invoice = await insert_row(session, Facture(organization_id=org_id, **fields))
    await session.refresh(invoice)
    return invoice


async def take_number(session: AsyncSession, org_id: uuid.UUID) -> int:
    """The organization's next invoice number, taken in the caller's transaction.

    One upsert (`... ON CONFLICT DO UPDATE SET last_value = last_value + 1 RETURNING`)
    creates or increments the counter row and holds its lock to the end of the
    transaction (SQLite: BEGIN IMMEDIATE), so concurrent creators queue here; a
    transaction that rolls back gives its number back with it: no gap.
    """
    stmt = upsert(
        session,
        InvoiceCounter,
        {"organization_id": org_id, "last_value": 1},
        conflict=[InvoiceCounter.organization_id],
        set_={"last_value": InvoiceCounter.last_value + 1},
    ).returning(InvoiceCounter.last_value)
    return int((await session.execute(stmt)).scalar_one())


async def give_back_number(session: AsyncSession, org_id: uuid.UUID, value: int) -> bool:
    """Step the counter back from `value` when it is the last number given (the
    invoice being deleted is the newest numbered one); False when it is not."""
    last = (InvoiceCounter.organization_id == org_id, InvoiceCounter.last_value == value)
    return await update_where(session, InvoiceCounter, *last, last_value=value - 1) > 0


@dataclass(frozen=True)
class BilledTime:
    """One person's validated hours on a project in a period, and their daily sale rate
    in the organization (None without consultant details or sale rate)."""

    profile_id: uuid.UUID
    prenom: str
    nom: str
    hours: Decimal
    daily_rate: Decimal | None


async def validated_time(
    session: AsyncSession, *, org_id: uuid.UUID, project_id: uuid.UUID, start: date, end: date
) -> list[BilledTime]:
    """Per person, by name: the VALIDE hours on `project_id` dated `start`..`end`."""
    hours = func.sum(TempsPasse.heures_travaillees)
    stmt = (
        select(
            Profile.id, Profile.prenom, Profile.nom, hours, ConsultantDetails.taux_journalier_vente
        )
        .join(Profile, Profile.id == TempsPasse.profile_id)
        .outerjoin(ConsultantDetails, details_of(org_id, TempsPasse.profile_id))
        .where(
            TempsPasse.organization_id == org_id,
            TempsPasse.projet_id == project_id,
            TempsPasse.validation_statut == ValidationStatus.VALIDE.value,
            TempsPasse.date >= start,
            TempsPasse.date <= end,
        )
        .group_by(Profile.id, Profile.prenom, Profile.nom, ConsultantDetails.taux_journalier_vente)
        .order_by(Profile.nom, Profile.prenom, Profile.id)
    )
    return [
        BilledTime(pid, prenom, nom, Decimal(h).quantize(Decimal("0.01")), rate)
        for pid, prenom, nom, h, rate in await session.execute(stmt)
    ]


async def get_invoice(
    session: AsyncSession, *, org_id: uuid.UUID, invoice_id: uuid.UUID, for_update: bool = False
) -> Facture | None:
    return await table.get(session, org_id=org_id, row_id=invoice_id, for_update=for_update)


async def list_invoices(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    today: date,
    cursor: str | None,
    limit: int,
    projet_id: uuid.UUID | None = None,
    statut: PaymentStatus | None = None,
    client_contact_id: uuid.UUID | None = None,
) -> tuple[list[Facture], str | None]:
    """Newest invoice date first, then id. `statut` filters on the status as read on
    `today`; `client_contact_id` keeps the invoices of that contact's clients' projects."""
    where = in_contacts_projects(Facture.projet_id, org_id, client_contact_id)
    if statut is not None:
        where.append(has_status(statut, today))
    filters = {"projet_id": projet_id}
    return await table.page(
        session, org_id=org_id, cursor=cursor, limit=limit, filters=filters, where=where
    )


async def update_invoice(
    session: AsyncSession, invoice: Facture, values: dict[str, Any]
) -> Facture:
    await update_row(session, invoice, values)
    await session.refresh(invoice)
    return invoice
