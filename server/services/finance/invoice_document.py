"""`GET /orgs/{org}/invoices/{id}.pdf`: the invoice as a Factur-X PDF/A-3 (EN 16931).

Read by whoever reads the invoice (the same checks as `invoices.get_invoice`). What
EN 16931 and French law require of the seller, the buyer and the invoice is checked
first: anything missing is one 422 naming every missing field (`loc`
`["organization", "siret"]`, `["client", "pays"]`, ...), never a broken document.
docs/invoices.md says what is printed and why.
"""

from __future__ import annotations

import asyncio
import uuid
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from protocol.errors import FieldError, not_found, validation_error
from store import organizations, projects
from store.models import Client, Facture, Organization, Projet

from ...actor import Actor
from ...policy import invoice_contact_scope, require_member
from ..core import Services, invalid
from .invoice_lines import time_lines, total
from .invoice_pdf import facturx_pdf
from .invoice_xml import InvoiceDocument, Line, Party
from .invoices import due_date, readable_invoice

CENT = Decimal("0.01")
# Required of the firm (seller) for an EN 16931 invoice that French law accepts.
SELLER_REQUIRED = ("siret", "numero_tva", "adresse", "code_postal", "ville", "pays", "iban")
BUYER_REQUIRED = ("adresse", "code_postal", "ville", "pays")
LEGAL_NOTES = (
    "En cas de retard de paiement, des pénalités de retard sont exigibles de plein droit au "
    "taux directeur de la BCE majoré de 10 points,",
    "ainsi qu'une indemnité forfaitaire pour frais de recouvrement de 40 € "
    "(art. L441-10 et D441-5 du Code de commerce).",
    "Pas d'escompte pour paiement anticipé.",
)


def _missing(org: Organization, client: Client, invoice: Facture) -> list[FieldError]:
    parties = (("organization", org, SELLER_REQUIRED), ("client", client, BUYER_REQUIRED))
    errors = [
        FieldError(loc=[where, name], msg="required on an invoice (EN 16931)")
        for where, party, required in parties
        for name in required
        if not getattr(party, name)
    ]
    if not invoice.numero:
        errors.append(FieldError(loc=["invoice", "numero"], msg="an invoice needs a number"))
    return errors


def _party(row: Organization | Client, name: str, siren: str | None) -> Party:
    return Party(
        name=name,
        adresse=row.adresse,
        code_postal=row.code_postal,
        ville=row.ville,
        pays=row.pays or "FR",
        numero_tva=row.numero_tva,
        siren=siren,
    )


def fixed_line(project: Projet, invoice: Facture) -> Line:
    net = Decimal(invoice.montant).quantize(CENT)
    label = f"Prestations de conseil - projet {project.nom}"
    return Line(label=label, quantity=Decimal(1), unit="C62", unit_price=net, amount=net)


def build_document(
    org: Organization, client: Client, invoice: Facture, lines: list[Line]
) -> InvoiceDocument:
    """The invoice's content, amounts exact: VAT = amount x rate, rounded half-up once."""
    net = Decimal(invoice.montant).quantize(CENT)
    rate = Decimal(invoice.taux_tva).quantize(CENT)
    vat = (net * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    due = due_date(invoice)
    days = (due - invoice.date_facturation).days
    return InvoiceDocument(
        numero=str(invoice.numero),
        issued=invoice.date_facturation,
        due=due,
        seller=_party(org, org.name, org.siren or (org.siret or "")[:9] or None),
        buyer=_party(client, client.nom, None),
        iban=str(org.iban),
        bic=org.bic,
        lines=lines,
        vat_rate=rate,
        net_total=net,
        vat_total=vat,
        grand_total=net + vat,
        payment_terms=(f"Paiement par virement à {days} jours, au plus tard le {due:%d/%m/%Y}."),
        legal_notes=list(LEGAL_NOTES),
    )


async def _lines(
    svc: Services, session: AsyncSession, project: Projet, invoice: Facture
) -> list[Line]:
    """The period's validated time when the invoice bills one (its amount must still be
    that time's value: 422 otherwise), else one line of the invoice's amount."""
    if invoice.periode_debut is None or invoice.periode_fin is None:
        return [fixed_line(project, invoice)]
    lines = await time_lines(
        session,
        org_id=invoice.organization_id,
        project_id=project.id,
        start=invoice.periode_debut,
        end=invoice.periode_fin,
        hours_per_day=svc.settings.hours_per_day,
        where="invoice",
    )
    if total(lines) != Decimal(invoice.montant):
        msg = f"differs from the validated time of the period ({total(lines):.2f})"
        raise invalid(["invoice", "montant"], msg)
    return lines


async def invoice_pdf(
    svc: Services, actor: Actor, org_id: uuid.UUID, invoice_id: uuid.UUID
) -> tuple[str, bytes]:
    """(file name, the Factur-X PDF); 404/403 as for reading the invoice, 422 naming
    every missing legal detail."""
    async with svc.sessions() as session:
        member = await require_member(session, org_id, actor.user_id)
        invoice_contact_scope(member)  # consultants: 403 whether or not the id exists
        invoice = await readable_invoice(session, member, invoice_id)
        org = await organizations.get_organization(session, org_id)
        project = await projects.get_project(session, org_id=org_id, project_id=invoice.projet_id)
        client = None
        if project is not None:
            client = await projects.clients.get(session, org_id=org_id, row_id=project.client_id)
        if org is None or project is None or client is None:
            raise not_found("invoice")
        missing = _missing(org, client, invoice)
        if missing:
            raise validation_error(missing, "the invoice lacks what EN 16931 requires")
        lines = await _lines(svc, session, project, invoice)
        document = build_document(org, client, invoice, lines)
        siret = str(org.siret)
    pdf = await asyncio.to_thread(facturx_pdf, document, siret)
    return f"facture-{document.numero}.pdf", pdf
