"""Invoices (`facture`): create (idempotent with `Idempotency-Key`), read, list, change,
delete, and the rows of the CSV export.

Owners, admins and managers read and write them; a CLIENT member reads, and only, the
invoices of the projects whose client they are contact of (another project's invoice is
missing to them, 404); consultants are refused (403). The due date defaults to the
invoice date + 30 days. An unpaid invoice past its due date reads RETARD: the status is
computed on every read (here and in store/invoices.py for filters and totals) and never
written by a read, so it needs no job and is right on any day.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from protocol.common import Page
from protocol.enums import ActivityAction, PaymentStatus
from protocol.errors import AppError, ErrorCode
from protocol.finance import (
    DEFAULT_PAYMENT_TERM_DAYS,
    InvoiceCreate,
    InvoiceExportQuery,
    InvoiceOut,
    InvoicePatch,
    InvoiceQuery,
)
from store import invoices, projects
from store.models import Facture
from store.scoped import delete_row

from ...actor import Actor
from ...policy import Action, Member, invoice_contact_scope, require_invoice_reader, require_member
from .. import live_business, resource
from ..batches import Read, batches
from ..changes import created_fields, field_changes, stored
from ..clock import org_today
from ..core import Services, found, invalid
from ..idempotency import once, request_hash
from ..resource import out_of
from .earned_value import money
from .invoice_lines import time_lines, total

INVOICE = "invoice"
CREATE_ROUTE = "POST /orgs/{org}/invoices"
EXPORT_PAGE = 500
PAYMENT_TERM = timedelta(days=DEFAULT_PAYMENT_TERM_DAYS)


def numero_of(sequence: int) -> str:
    """The printed number of the organization counter's `sequence`th invoice."""
    return f"F-{sequence:06d}"


def due_date(invoice: Facture) -> date:
    return invoice.date_echeance or invoice.date_facturation + PAYMENT_TERM


def status_as_read(invoice: Facture, day: date) -> tuple[PaymentStatus, int]:
    """The status a reader sees on `day` and the days past due (0 unless late)."""
    stored = PaymentStatus(invoice.statut_paiement or PaymentStatus.EN_ATTENTE)
    if stored is PaymentStatus.PAYE:
        return stored, 0
    late_days = max(0, (day - due_date(invoice)).days)
    if late_days > 0 or stored is PaymentStatus.RETARD:
        return PaymentStatus.RETARD, late_days
    return PaymentStatus.EN_ATTENTE, 0


def invoice_out(f: Facture, day: date) -> InvoiceOut:
    status, late_days = status_as_read(f, day)
    return out_of(
        InvoiceOut,
        f,
        montant=money(f.montant),
        taux_tva=money(f.taux_tva),
        date_echeance=due_date(f),
        statut_paiement=status,
        jours_de_retard=late_days,
    )


# Every invoice entry names its project.
_log = resource.RowLog(INVOICE, names_project=True)


async def _check_numero(
    session: AsyncSession, org_id: uuid.UUID, numero: str | None, except_id: uuid.UUID | None
) -> None:
    if numero is not None and await invoices.table.taken(
        session, org_id, Facture.numero == numero, except_id
    ):
        raise AppError(ErrorCode.CONFLICT, "another invoice of the organization has this numero")


async def create_invoice(
    svc: Services, actor: Actor, org_id: uuid.UUID, req: InvoiceCreate, key: str | None
) -> tuple[int, Any]:
    """(201, the invoice); with an `Idempotency-Key` already answered, that first answer."""
    async with svc.tx() as tx:
        await require_member(tx.session, org_id, actor.user_id, Action.MANAGE_PROJECTS)

        async def produce() -> tuple[int, Any]:
            project = await projects.get_project(
                tx.session, org_id=org_id, project_id=req.projet_id
            )
            if project is None:
                raise invalid(["body", "projet_id"], "must be a project of the organization")
            await _check_numero(tx.session, org_id, req.numero, None)
            fields = req.model_dump()
            fields["statut_paiement"] = req.statut_paiement.value
            if req.montant is None and req.periode_debut and req.periode_fin:
                lines = await time_lines(
                    tx.session,
                    org_id=org_id,
                    project_id=req.projet_id,
                    start=req.periode_debut,
                    end=req.periode_fin,
                    hours_per_day=svc.settings.hours_per_day,
                    where="body",
                )
                fields["montant"] = total(lines)
            if req.numero is None:
                # In this transaction: rolled back with it, so no number is lost.
                fields["sequence"] = await invoices.take_number(tx.session, org_id)
                fields["numero"] = numero_of(fields["sequence"])
                await _check_numero(tx.session, org_id, fields["numero"], None)
            fields["date_echeance"] = req.date_echeance or req.date_facturation + PAYMENT_TERM
            row = await invoices.create_invoice(tx.session, org_id=org_id, fields=fields)
            meta = {"fields": created_fields(fields)}
            await _log(tx, actor, row, ActivityAction.INVOICE_CREATED, meta)
            day = await org_today(tx.session, org_id, svc.clock())
            out = invoice_out(row, day)
            await live_business.invoice_changed(tx, out, created=True)
            return 201, out.model_dump(mode="json")

        user, digest = actor.user_id, request_hash(req)
        return await once(svc, tx, org_id, user, CREATE_ROUTE, key, digest, produce)


async def readable_invoice(
    session: AsyncSession, member: Member, invoice_id: uuid.UUID, *, for_update: bool = False
) -> Facture:
    org_id = member.org_id
    row = await invoices.table.get(session, org_id=org_id, row_id=invoice_id, for_update=for_update)
    row = found(row, INVOICE)
    project = await projects.get_project(session, org_id=org_id, project_id=row.projet_id)
    await require_invoice_reader(session, member, found(project, INVOICE))
    return row


async def get_invoice(
    svc: Services, actor: Actor, org_id: uuid.UUID, invoice_id: uuid.UUID
) -> InvoiceOut:
    async with svc.sessions() as session:
        member = await require_member(session, org_id, actor.user_id)
        invoice_contact_scope(member)  # consultants: 403 whether or not the id exists
        row = await readable_invoice(session, member, invoice_id)
        return invoice_out(row, await org_today(session, org_id, svc.clock()))


async def list_invoices(
    svc: Services, actor: Actor, org_id: uuid.UUID, query: InvoiceQuery
) -> Page[InvoiceOut]:
    async with svc.sessions() as session:
        member = await require_member(session, org_id, actor.user_id)
        day = await org_today(session, org_id, svc.clock())
        read = _reader(org_id, day, query, invoice_contact_scope(member), query.limit)
        items, cursor = await read(session, query.cursor)
    return Page(items=items, next_cursor=cursor)


def _reader(
    org_id: uuid.UUID,
    day: date,
    query: InvoiceQuery | InvoiceExportQuery,
    scope: uuid.UUID | None,
    limit: int,
) -> Read[InvoiceOut]:
    """Pages of `limit` invoices the query selects, in `scope`, statuses as read on `day`."""

    async def read(
        session: AsyncSession, cursor: str | None
    ) -> tuple[list[InvoiceOut], str | None]:
        rows, cursor = await invoices.list_invoices(
            session,
            org_id=org_id,
            today=day,
            cursor=cursor,
            limit=limit,
            projet_id=query.projet_id,
            statut=query.statut_paiement,
            client_contact_id=scope,
        )
        return [invoice_out(r, day) for r in rows], cursor

    return read


async def export_invoices(
    svc: Services, actor: Actor, org_id: uuid.UUID, query: InvoiceExportQuery
) -> AsyncIterator[list[InvoiceOut]]:
    """Checks access now, then yields every invoice the JSON list would page through, in
    `batches`; statuses as read today."""
    async with svc.sessions() as session:
        member = await require_member(session, org_id, actor.user_id)
        scope = invoice_contact_scope(member)
        day = await org_today(session, org_id, svc.clock())
    return batches(svc, org_id, _reader(org_id, day, query, scope, EXPORT_PAGE))


async def update_invoice(
    svc: Services, actor: Actor, org_id: uuid.UUID, invoice_id: uuid.UUID, patch: InvoicePatch
) -> InvoiceOut:
    values = stored(patch.changes())
    async with svc.tx() as tx:
        member = await require_member(tx.session, org_id, actor.user_id, Action.MANAGE_PROJECTS)
        row = await readable_invoice(tx.session, member, invoice_id, for_update=True)
        start: date = values.get("date_facturation", row.date_facturation)
        due: date = values.get("date_echeance", due_date(row))
        if due < start:
            loc = "date_echeance" if "date_echeance" in values else "date_facturation"
            raise invalid(["body", loc], "date_echeance may not precede date_facturation")
        if "numero" in values and values["numero"] != row.numero and row.sequence is not None:
            msg = "an invoice numbered by the organization's counter keeps its number"
            raise AppError(ErrorCode.CONFLICT, msg)
        if "numero" in values:
            await _check_numero(tx.session, org_id, values["numero"], row.id)
        diff = field_changes(row, values)
        if diff:
            await invoices.update_invoice(tx.session, row, {k: values[k] for k in diff})
            await _log(tx, actor, row, ActivityAction.INVOICE_UPDATED, {"changes": diff})
        out = invoice_out(row, await org_today(tx.session, org_id, svc.clock()))
        if diff:
            await live_business.invoice_changed(tx, out, created=False)
        return out


async def delete_invoice(
    svc: Services, actor: Actor, org_id: uuid.UUID, invoice_id: uuid.UUID
) -> None:
    async with svc.tx() as tx:
        member = await require_member(tx.session, org_id, actor.user_id, Action.MANAGE_PROJECTS)
        row = await readable_invoice(tx.session, member, invoice_id, for_update=True)
        meta = {"numero": row.numero, "montant": str(row.montant)}
        await _log(tx, actor, row, ActivityAction.INVOICE_DELETED, meta)
        if row.sequence is not None and not await invoices.give_back_number(
            tx.session, org_id, row.sequence
        ):
            raise AppError(
                ErrorCode.CONFLICT,
                "only the newest numbered invoice can be deleted: numbers have no gaps",
            )
        await delete_row(tx.session, row)
