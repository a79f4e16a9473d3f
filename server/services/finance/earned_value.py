"""A project's financial figures and earned value, exactly, from what the store holds.

`load_inputs` reads everything a set of projects needs in a fixed number of queries;
`compute` is pure arithmetic on `Decimal` (no float anywhere, no rounding); `present`
rounds half-up for the answer: money, hours and percentages to 2 decimals, ratios to 4.
docs/finance.md defines each figure; the definitions live in one place, here.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from protocol.enums import PaymentStatus, ValidationStatus
from protocol.finance import (
    Costs,
    EarnedValue,
    Invoicing,
    Margins,
    ProgressSource,
    ProjectFinancials,
)
from store import finance_queries as q
from store.models import BudgetProjet, Projet

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
RATIO = Decimal("0.0001")


def money(value: Decimal) -> Decimal:
    """Half-up to the cent: the only rounding, at presentation."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money_or_none(value: Decimal | None) -> Decimal | None:
    return None if value is None else money(value)


def ratio(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(RATIO, rounding=ROUND_HALF_UP)


def div(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    """a / b, or None when either is missing or b is zero (an undefined ratio)."""
    if a is None or b is None or b == 0:
        return None
    return a / b


def pct(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    share = div(a, b)
    return None if share is None else share * HUNDRED


@dataclass
class ProjectInputs:
    project: Projet
    budget: BudgetProjet | None = None
    hours: list[q.HoursRow] = field(default_factory=list)
    rates: dict[uuid.UUID, q.Rates] = field(default_factory=dict)
    invoices: dict[str, tuple[Decimal, int]] = field(default_factory=dict)
    milestones: list[q.MilestoneRow] = field(default_factory=list)
    tasks: q.TaskStats = field(default_factory=q.TaskStats)


@dataclass(frozen=True)
class Figures:
    """Exact (unrounded) figures of one project on `today`."""

    project_id: uuid.UUID
    today: date
    hours_per_day: Decimal
    vendu: Decimal | None
    facture: Decimal
    paye: Decimal
    en_attente: Decimal
    en_retard: Decimal
    factures_en_retard: int
    heures_validees: Decimal
    heures_en_attente: Decimal
    heures_sans_taux: Decimal
    cout_reel: Decimal
    cout_en_attente: Decimal
    chiffre_affaires: Decimal
    marge_cible_pct: Decimal | None
    bac: Decimal | None
    planned: Decimal | None  # fractions 0..1
    actual: Decimal | None
    source: ProgressSource
    time_entries: int

    @property
    def restant_du(self) -> Decimal:
        return self.facture - self.paye

    @property
    def marge_reelle(self) -> Decimal:
        return self.chiffre_affaires - self.cout_reel

    @property
    def marge_reelle_pct(self) -> Decimal | None:
        return pct(self.marge_reelle, self.chiffre_affaires)

    @property
    def ecart_marge_pts(self) -> Decimal | None:
        actual = self.marge_reelle_pct
        if actual is None or self.marge_cible_pct is None:
            return None
        return actual - self.marge_cible_pct

    @property
    def pv(self) -> Decimal | None:
        return None if self.bac is None or self.planned is None else self.bac * self.planned

    @property
    def ev(self) -> Decimal | None:
        return None if self.bac is None or self.actual is None else self.bac * self.actual

    @property
    def ac(self) -> Decimal:
        return self.cout_reel

    @property
    def cpi(self) -> Decimal | None:
        return div(self.ev, self.ac)

    @property
    def spi(self) -> Decimal | None:
        return div(self.ev, self.pv)

    @property
    def eac(self) -> Decimal | None:
        return div(self.bac, self.cpi)

    @property
    def budget_consomme_pct(self) -> Decimal | None:
        return pct(self.cout_reel, self.bac)

    @property
    def marge_prevue_pct(self) -> Decimal | None:
        if self.vendu is None or self.eac is None:
            return None
        return pct(self.vendu - self.eac, self.vendu)


def planned_fraction(start: date, end: date | None, today: date) -> Decimal | None:
    """Linear plan: 0 before `start`, 1 from `end` on, (today - start) / (end - start) in
    calendar days between; None without a planned end."""
    if end is None:
        return None
    if today < start:
        return ZERO
    if today >= end:
        return Decimal(1)
    return Decimal((today - start).days) / Decimal((end - start).days)


def actual_fraction(
    milestones: Sequence[q.MilestoneRow], tasks: q.TaskStats
) -> tuple[Decimal | None, ProgressSource]:
    """From the project's milestones, each weighted by its length in days (due - start +
    1); without milestones, from its tasks: DONE share of `charge_estimee_jh`, or of the
    task count when no task is estimated; None without either."""
    if milestones:
        weights = [Decimal((m.due_date - m.start_date).days + 1) for m in milestones]
        done = sum(
            (w * Decimal(m.progress_percentage) for w, m in zip(weights, milestones, strict=True)),
            ZERO,
        )
        return done / sum(weights, ZERO) / HUNDRED, "jalons"
    if tasks.total == 0:
        return None, "aucune"
    if tasks.charge_total > 0:
        return tasks.charge_done / tasks.charge_total, "taches"
    return Decimal(tasks.done) / Decimal(tasks.total), "taches"


def compute(inputs: ProjectInputs, hours_per_day: Decimal, today: date) -> Figures:
    validated = pending = without_rate = cost = pending_cost = revenue = ZERO
    entries = 0
    for row in inputs.hours:
        rate = inputs.rates.get(row.profile_id)
        if row.statut == ValidationStatus.VALIDE:
            validated += row.heures
            entries += row.entries
            if rate is not None:
                cost += row.heures * rate.cout
                revenue += row.heures * (rate.vente or ZERO)
        elif row.statut == ValidationStatus.EN_ATTENTE:
            pending += row.heures
            if rate is not None:
                pending_cost += row.heures * rate.cout
        else:
            continue  # rejected time costs nothing
        if rate is None:
            without_rate += row.heures
    inv = inputs.invoices

    def total(status: PaymentStatus) -> Decimal:
        return inv.get(status.value, (ZERO, 0))[0]

    actual, source = actual_fraction(inputs.milestones, inputs.tasks)
    project, budget = inputs.project, inputs.budget
    return Figures(
        project_id=project.id,
        today=today,
        hours_per_day=hours_per_day,
        vendu=budget.montant_total_vente if budget else None,
        facture=sum((amount for amount, _ in inv.values()), ZERO),
        paye=total(PaymentStatus.PAYE),
        en_attente=total(PaymentStatus.EN_ATTENTE),
        en_retard=total(PaymentStatus.RETARD),
        factures_en_retard=inv.get(PaymentStatus.RETARD.value, (ZERO, 0))[1],
        heures_validees=validated,
        heures_en_attente=pending,
        heures_sans_taux=without_rate,
        cout_reel=cost / hours_per_day,
        cout_en_attente=pending_cost / hours_per_day,
        chiffre_affaires=revenue / hours_per_day,
        marge_cible_pct=budget.marge_cible_pct if budget else None,
        bac=budget.cout_estime_total if budget else None,
        planned=planned_fraction(project.date_debut, project.date_fin_prevue, today),
        actual=actual,
        source=source,
        time_entries=entries,
    )


async def load_inputs(
    session: AsyncSession, org_id: uuid.UUID, projects: Sequence[Projet], today: date
) -> dict[uuid.UUID, ProjectInputs]:
    """Everything `compute` needs for `projects`, in seven queries whatever their number."""
    ids = [p.id for p in projects]
    inputs = {p.id: ProjectInputs(project=p) for p in projects}
    budgets = await q.budgets_of(session, org_id=org_id, project_ids=ids)
    hours = await q.hours_by_profile(session, org_id=org_id, project_ids=ids)
    rates = await q.rates_of(session, org_id=org_id, profile_ids=[h.profile_id for h in hours])
    for row in hours:
        inputs[row.projet_id].hours.append(row)
    invoices = await q.invoice_totals(session, org_id=org_id, project_ids=ids, today=today)
    milestones = await q.milestones_of(session, org_id=org_id, project_ids=ids)
    tasks = await q.task_stats(session, org_id=org_id, project_ids=ids, today=today)
    for projet_id, entry in inputs.items():
        entry.budget = budgets.get(projet_id)
        entry.rates = rates
        entry.invoices = invoices.get(projet_id, {})
        entry.milestones = milestones.get(projet_id, [])
        entry.tasks = tasks.get(projet_id, q.TaskStats())
    return inputs


def present(f: Figures) -> ProjectFinancials:
    """The answer: every figure rounded half-up (money 0.01, percentages 0.01, ratios
    0.0001); undefined ones null."""
    return ProjectFinancials(
        projet_id=f.project_id,
        date_calcul=f.today,
        heures_par_jour=f.hours_per_day,
        facturation=Invoicing(
            vendu=money_or_none(f.vendu),
            facture=money(f.facture),
            paye=money(f.paye),
            restant_du=money(f.restant_du),
            en_attente=money(f.en_attente),
            en_retard=money(f.en_retard),
            factures_en_retard=f.factures_en_retard,
            reste_a_facturer=None if f.vendu is None else money(f.vendu - f.facture),
        ),
        couts=Costs(
            heures_validees=money(f.heures_validees),
            jours_valides=money(f.heures_validees / f.hours_per_day),
            cout_reel=money(f.cout_reel),
            heures_en_attente=money(f.heures_en_attente),
            cout_en_attente=money(f.cout_en_attente),
            chiffre_affaires_taux_vente=money(f.chiffre_affaires),
            heures_sans_taux=money(f.heures_sans_taux),
        ),
        marges=Margins(
            marge_reelle=money(f.marge_reelle),
            marge_reelle_pct=money_or_none(f.marge_reelle_pct),
            marge_cible_pct=money_or_none(f.marge_cible_pct),
            ecart_marge_pts=money_or_none(f.ecart_marge_pts),
            marge_prevue_pct=money_or_none(f.marge_prevue_pct),
        ),
        budget_consomme_pct=money_or_none(f.budget_consomme_pct),
        valeur_acquise=EarnedValue(
            bac=money_or_none(f.bac),
            avancement_prevu_pct=money_or_none(None if f.planned is None else f.planned * HUNDRED),
            avancement_reel_pct=money_or_none(None if f.actual is None else f.actual * HUNDRED),
            source_avancement=f.source,
            pv=money_or_none(f.pv),
            ev=money_or_none(f.ev),
            ac=money(f.ac),
            cpi=ratio(f.cpi),
            spi=ratio(f.spi),
            eac=money_or_none(f.eac),
            cv=None if f.ev is None else money(f.ev - f.ac),
            sv=None if f.ev is None or f.pv is None else money(f.ev - f.pv),
        ),
    )
