"""Budgets, invoices, a project's financials, the portfolio summary and utilization.

Every amount is a decimal: requests take a JSON number or string with at most two
decimals, answers carry strings ("1250.00") so no client parses money into a float.
Figures are computed exactly (Python `Decimal`) and rounded half-up only when answered:
money and hours to 2 decimals, percentages to 2, ratios (CPI, SPI) to 4. A ratio that
is undefined (a zero or missing divisor) is null, never an error. docs/finance.md
defines every figure.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, model_validator

from .common import Day, ListQuery, NotNull, Patch, Request
from .enums import PaymentStatus

Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
PositiveMoney = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]
InvoiceNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
]

# Days between an invoice's date and its due date when the client does not give one.
DEFAULT_PAYMENT_TERM_DAYS = 30
# VAT rate (percent) of an invoice that does not give one: France's standard rate.
DEFAULT_VAT_RATE = Decimal("20.00")


class BudgetPut(Request):
    """The project's budget, created or replaced whole."""

    montant_total_vente: Money
    cout_estime_total: Money
    marge_cible_pct: Percent


class BudgetOut(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    projet_id: uuid.UUID
    montant_total_vente: Decimal
    cout_estime_total: Decimal
    marge_cible_pct: Decimal
    created_at: datetime
    updated_at: datetime


class InvoiceCreate(Request):
    """`date_echeance` defaults to `date_facturation` + 30 days and may not precede it.
    `numero` is unique in the organization; left out, the organization's counter gives
    the next one (`F-000001`, ...) without gaps (docs/invoices.md). `montant` is the
    amount before tax; `taux_tva` the VAT rate in percent (default 20). With
    `periode_debut` and `periode_fin` the invoice bills the project's validated time of
    that period (one line per person at their daily sale rate) and `montant`, left out,
    is that time's value; without a period, `montant` is required (one fixed line)."""

    projet_id: uuid.UUID
    numero: InvoiceNumber | None = None
    montant: PositiveMoney | None = None
    taux_tva: Percent = DEFAULT_VAT_RATE
    date_facturation: Day
    date_echeance: Day | None = None
    statut_paiement: PaymentStatus = PaymentStatus.EN_ATTENTE
    periode_debut: Day | None = None
    periode_fin: Day | None = None

    @model_validator(mode="after")
    def _due_after_invoice(self) -> InvoiceCreate:
        if self.date_echeance is not None and self.date_echeance < self.date_facturation:
            raise ValueError("date_echeance may not precede date_facturation")
        if (self.periode_debut is None) != (self.periode_fin is None):
            raise ValueError("periode_debut and periode_fin go together")
        if self.periode_debut and self.periode_fin and self.periode_fin < self.periode_debut:
            raise ValueError("periode_fin may not precede periode_debut")
        if self.montant is None and self.periode_debut is None:
            raise ValueError("montant is required unless the invoice bills a period's time")
        return self


class InvoicePatch(Patch):
    """An invoice never moves to another project. The due date is checked against the
    invoice date as they stand after the change (422)."""

    numero: InvoiceNumber | None = None
    montant: NotNull[PositiveMoney] = None
    taux_tva: NotNull[Percent] = None
    date_facturation: NotNull[Day] = None
    date_echeance: NotNull[Day] = None
    statut_paiement: NotNull[PaymentStatus] = None


class InvoiceQuery(ListQuery):
    """`statut_paiement` filters on the status as read: RETARD includes unpaid invoices
    past their due date, EN_ATTENTE excludes them."""

    projet_id: uuid.UUID | None = None
    statut_paiement: PaymentStatus | None = None


class InvoiceExportQuery(BaseModel):
    """The filters of the JSON list, without paging: the export holds every match."""

    projet_id: uuid.UUID | None = None
    statut_paiement: PaymentStatus | None = None


class InvoiceOut(BaseModel):
    """`statut_paiement` is the status as read: an unpaid invoice past `date_echeance`
    reads RETARD (the stored value is not changed by reading); `jours_de_retard` counts
    the days past due of an unpaid invoice (0 otherwise)."""

    id: uuid.UUID
    organization_id: uuid.UUID
    projet_id: uuid.UUID
    numero: str | None
    montant: Decimal
    taux_tva: Decimal = DEFAULT_VAT_RATE
    periode_debut: date | None = None
    periode_fin: date | None = None
    date_facturation: date
    date_echeance: date
    statut_paiement: PaymentStatus
    jours_de_retard: int
    created_at: datetime
    updated_at: datetime


# Financials ---------------------------------------------------------------------------


class Invoicing(BaseModel):
    """`vendu` is the budget's sale amount (null without budget); `facture` every
    invoice; `restant_du` = facture - paye = en_attente + en_retard (statuses as read);
    `reste_a_facturer` = vendu - facture."""

    vendu: Decimal | None
    facture: Decimal
    paye: Decimal
    restant_du: Decimal
    en_attente: Decimal
    en_retard: Decimal
    factures_en_retard: int
    reste_a_facturer: Decimal | None


class Costs(BaseModel):
    """Validated time at the consultants' daily cost and sale rates (hours / hours per
    day x rate); pending (EN_ATTENTE) time apart; rejected time ignored. Hours of people
    without `consultant_details` in the organization have no rate: they are counted in
    `heures_sans_taux` and add nothing to the amounts."""

    heures_validees: Decimal
    jours_valides: Decimal
    cout_reel: Decimal
    heures_en_attente: Decimal
    cout_en_attente: Decimal
    chiffre_affaires_taux_vente: Decimal
    heures_sans_taux: Decimal


class Margins(BaseModel):
    """`marge_reelle` = revenue at sale rates - actual cost, `marge_reelle_pct` its share
    of that revenue; `marge_cible_pct` the budget's; `marge_prevue_pct` = (vendu - EAC) /
    vendu."""

    marge_reelle: Decimal
    marge_reelle_pct: Decimal | None
    marge_cible_pct: Decimal | None
    ecart_marge_pts: Decimal | None
    marge_prevue_pct: Decimal | None


ProgressSource = Literal["jalons", "taches", "aucune"]


class EarnedValue(BaseModel):
    """BAC = budgeted cost; PV = BAC x planned % at the date; EV = BAC x actual %;
    AC = actual cost; CPI = EV / AC; SPI = EV / PV; EAC = BAC / CPI; CV = EV - AC;
    SV = EV - PV. `source_avancement` says where actual % comes from."""

    bac: Decimal | None
    avancement_prevu_pct: Decimal | None
    avancement_reel_pct: Decimal | None
    source_avancement: ProgressSource
    pv: Decimal | None
    ev: Decimal | None
    ac: Decimal
    cpi: Decimal | None
    spi: Decimal | None
    eac: Decimal | None
    cv: Decimal | None
    sv: Decimal | None


class ProjectFinancials(BaseModel):
    projet_id: uuid.UUID
    date_calcul: date
    heures_par_jour: Decimal
    facturation: Invoicing
    couts: Costs
    marges: Margins
    budget_consomme_pct: Decimal | None
    valeur_acquise: EarnedValue


class PortfolioSummary(BaseModel):
    """Totals across the organization's ACTIF projects (amounts summed before rounding).
    `cpi` and `spi` are the portfolio's: sum(EV) / sum(AC) and sum(EV) / sum(PV) over
    the projects where both are defined."""

    date_calcul: date
    projets_actifs: int
    projets_sans_budget: int
    projets_en_derive: int
    vendu: Decimal
    facture: Decimal
    paye: Decimal
    restant_du: Decimal
    en_attente: Decimal
    en_retard: Decimal
    cout_reel: Decimal
    cout_en_attente: Decimal
    chiffre_affaires_taux_vente: Decimal
    marge_reelle: Decimal
    marge_reelle_pct: Decimal | None
    cpi: Decimal | None
    spi: Decimal | None


class UtilizationQuery(ListQuery):
    """An inclusive period of at most 366 days."""

    from_: Day = Field(alias="from")
    to: Day

    @model_validator(mode="after")
    def _period(self) -> UtilizationQuery:
        if self.to < self.from_:
            raise ValueError("`to` may not precede `from`")
        if (self.to - self.from_).days > 365:
            raise ValueError("the period may not exceed 366 days")
        return self


class ConsultantUtilization(BaseModel):
    """`taux_utilisation_pct` = validated hours / available hours x 100, where available
    hours = weekdays of the period x hours per day (holidays and leave not deducted)."""

    profile_id: uuid.UUID
    prenom: str | None
    nom: str | None
    heures_validees: Decimal
    heures_en_attente: Decimal
    heures_disponibles: Decimal
    taux_utilisation_pct: Decimal | None


class UtilizationPage(BaseModel):
    date_debut: date
    date_fin: date
    jours_ouvres: int
    heures_par_jour: Decimal
    items: list[ConsultantUtilization]
    next_cursor: str | None = None
