"""Budgets of every project and invoices paid, pending and late.

An invoice is created unpaid (as it is issued) and marked paid later by the admin; an
unpaid one past its due date reads RETARD by itself, on any day the sample is looked at.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from protocol.enums import PaymentStatus
from protocol.finance import BudgetPut, InvoiceCreate, InvoicePatch

from ..services.finance import finance, invoices
from .context import Demo


@dataclass(frozen=True)
class Budget:
    vente: str
    cout: str
    marge_cible: str


@dataclass(frozen=True)
class Invoice:
    project: str
    montant: str
    issued: int  # days from today
    paid: bool
    term_days: int = 30


BUDGETS = {
    "espace-client": Budget("84000.00", "46000.00", "40.00"),
    "migration-cloud": Budget("80000.00", "50000.00", "35.00"),
    "data-sinistres": Budget("54000.00", "30000.00", "40.00"),
    "audit-securite": Budget("42000.00", "23000.00", "45.00"),
    "appli-conducteurs": Budget("85000.00", "50000.00", "38.00"),
}

# In date order: they are numbered FAC-<year>-001, -002 ... in this order.
INVOICES = (
    Invoice("audit-securite", "21000.00", -140, paid=True),
    Invoice("audit-securite", "21000.00", -58, paid=True),
    Invoice("appli-conducteurs", "25500.00", -68, paid=True),
    Invoice("migration-cloud", "24000.00", -41, paid=True),
    Invoice("espace-client", "25200.00", -38, paid=True),
    Invoice("migration-cloud", "20000.00", -35, paid=False, term_days=20),  # 15 days late
    Invoice("espace-client", "16800.00", -12, paid=False),
    Invoice("data-sinistres", "16200.00", -6, paid=False),
)


async def populate(demo: Demo) -> None:
    admin = demo.by("julien")
    for key, b in BUDGETS.items():
        await finance.put_budget(
            *demo.by(demo.chefs[key]),
            demo.projects[key],
            BudgetPut(
                montant_total_vente=Decimal(b.vente),
                cout_estime_total=Decimal(b.cout),
                marge_cible_pct=Decimal(b.marge_cible),
            ),
        )
        demo.made["budgets"] += 1
    for n, inv in enumerate(INVOICES, start=1):
        issued = demo.day(inv.issued)
        _, created = await invoices.create_invoice(
            *admin,
            InvoiceCreate(
                projet_id=demo.projects[inv.project],
                numero=f"FAC-{issued.year}-{n:03d}",
                montant=Decimal(inv.montant),
                date_facturation=issued,
                date_echeance=demo.day(inv.issued + inv.term_days),
            ),
            None,
        )
        demo.made["invoices"] += 1
        if inv.paid:
            paid = InvoicePatch(statut_paiement=PaymentStatus.PAYE)
            await invoices.update_invoice(*admin, uuid.UUID(created["id"]), paid)
