"""Budgets, a project's financials, the portfolio summary and consultants' utilization.

Owners, admins and managers only (`SEE_FINANCIALS` to read, `MANAGE_PROJECTS` to
write): consultants get 403 and a CLIENT member never sees a cost (their only finance
route is the invoices of their own projects, server/services/finance/invoices.py). The day a
figure is computed for is the organization's date (in its time zone, clock.py); the
figures are defined in earned_value.py and docs/finance.md.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from protocol.enums import ActivityAction, ValidationStatus
from protocol.finance import (
    BudgetOut,
    BudgetPut,
    ConsultantUtilization,
    PortfolioSummary,
    ProjectFinancials,
    UtilizationPage,
    UtilizationQuery,
)
from store import budgets
from store import finance_queries as q
from store.models import BudgetProjet, Projet

from ...actor import Actor
from ...policy import Action, require_member
from .. import live_business
from ..changes import created_fields, field_changes
from ..clock import org_today
from ..core import Services, found
from ..resource import log, out_of, project_scope
from .earned_value import (
    ZERO,
    Figures,
    compute,
    div,
    load_inputs,
    money,
    money_or_none,
    pct,
    present,
    ratio,
)

BUDGET = "budget"


def budget_out(b: BudgetProjet) -> BudgetOut:
    return out_of(
        BudgetOut,
        b,
        montant_total_vente=money(b.montant_total_vente),
        cout_estime_total=money(b.cout_estime_total),
        marge_cible_pct=money(b.marge_cible_pct),
    )


async def get_budget(
    svc: Services, actor: Actor, org_id: uuid.UUID, project_id: uuid.UUID
) -> BudgetOut:
    async with svc.sessions() as session:
        _, project = await project_scope(session, actor, org_id, project_id, Action.SEE_FINANCIALS)
        return budget_out(
            found(await budgets.get_budget(session, org_id=org_id, project_id=project.id), BUDGET)
        )


async def put_budget(
    svc: Services, actor: Actor, org_id: uuid.UUID, project_id: uuid.UUID, req: BudgetPut
) -> tuple[BudgetOut, bool]:
    """Create or replace the project's one budget; True when created. The project's row
    lock orders concurrent PUTs, so the second replaces rather than collides."""
    values = req.model_dump()
    async with svc.tx() as tx:
        _, project = await project_scope(
            tx.session, actor, org_id, project_id, Action.MANAGE_PROJECTS, for_update=True
        )
        before = await budgets.get_budget(tx.session, org_id=org_id, project_id=project.id)
        diff = field_changes(before, values) if before is not None else created_fields(values)
        row, created = await budgets.put_budget(
            tx.session, org_id=org_id, project_id=project.id, values=values
        )
        if created or diff:
            meta = {"projet_id": str(project.id), "created": created, "changes": diff}
            await log(tx, actor, org_id, ActivityAction.BUDGET_SET, BUDGET, row.id, meta)
            live_business.budget_updated(tx, budget_out(row))
        return budget_out(row), created


async def project_figures(
    session: AsyncSession, svc: Services, org_id: uuid.UUID, project: Projet, day: date
) -> Figures:
    inputs = await load_inputs(session, org_id, [project], day)
    return compute(inputs[project.id], svc.settings.hours_per_day, day)


async def get_financials(
    svc: Services, actor: Actor, org_id: uuid.UUID, project_id: uuid.UUID
) -> ProjectFinancials:
    async with svc.sessions() as session:
        _, project = await project_scope(session, actor, org_id, project_id, Action.SEE_FINANCIALS)
        day = await org_today(session, org_id, svc.clock())
        return present(await project_figures(session, svc, org_id, project, day))


def _sum(values: list[Decimal]) -> Decimal:
    return sum(values, ZERO)


def summarize(figures: list[Figures], day: date) -> PortfolioSummary:
    """Totals of exact figures, rounded once. A project is in drift when its CPI or SPI
    is below 0.9 (the drift threshold of the analytics rules)."""
    both = [f for f in figures if f.ev is not None and f.cpi is not None]
    scheduled = [f for f in figures if f.ev is not None and f.spi is not None]
    revenue = _sum([f.chiffre_affaires for f in figures])
    margin = _sum([f.marge_reelle for f in figures])
    threshold = Decimal("0.9")
    drifting = [f for f in figures if any(r is not None and r < threshold for r in (f.cpi, f.spi))]
    return PortfolioSummary(
        date_calcul=day,
        projets_actifs=len(figures),
        projets_sans_budget=sum(1 for f in figures if f.bac is None),
        projets_en_derive=len(drifting),
        vendu=money(_sum([f.vendu for f in figures if f.vendu is not None])),
        facture=money(_sum([f.facture for f in figures])),
        paye=money(_sum([f.paye for f in figures])),
        restant_du=money(_sum([f.restant_du for f in figures])),
        en_attente=money(_sum([f.en_attente for f in figures])),
        en_retard=money(_sum([f.en_retard for f in figures])),
        cout_reel=money(_sum([f.cout_reel for f in figures])),
        cout_en_attente=money(_sum([f.cout_en_attente for f in figures])),
        chiffre_affaires_taux_vente=money(revenue),
        marge_reelle=money(margin),
        marge_reelle_pct=money_or_none(pct(margin, revenue)),
        cpi=ratio(div(_sum([f.ev or ZERO for f in both]), _sum([f.ac for f in both]))),
        spi=ratio(
            div(_sum([f.ev or ZERO for f in scheduled]), _sum([f.pv or ZERO for f in scheduled]))
        ),
    )


async def portfolio_summary(svc: Services, actor: Actor, org_id: uuid.UUID) -> PortfolioSummary:
    async with svc.sessions() as session:
        await require_member(session, org_id, actor.user_id, Action.SEE_FINANCIALS)
        day = await org_today(session, org_id, svc.clock())
        active = await q.active_projects(session, org_id=org_id)
        inputs = await load_inputs(session, org_id, active, day)
    hpd = svc.settings.hours_per_day
    return summarize([compute(inputs[p.id], hpd, day) for p in active], day)


def weekdays(start: date, end: date) -> int:
    """Monday to Friday between `start` and `end`, both included."""
    days = (end - start).days + 1
    full_weeks, rest = divmod(days, 7)
    count = full_weeks * 5
    for offset in range(rest):
        if (start + timedelta(days=full_weeks * 7 + offset)).weekday() < 5:
            count += 1
    return count


async def utilization(
    svc: Services, actor: Actor, org_id: uuid.UUID, query: UtilizationQuery
) -> UtilizationPage:
    """Per consultant of the organization (those with `consultant_details`), by id."""
    hpd = svc.settings.hours_per_day
    working_days = weekdays(query.from_, query.to)
    available = Decimal(working_days) * hpd
    async with svc.sessions() as session:
        await require_member(session, org_id, actor.user_id, Action.SEE_FINANCIALS)
        people, cursor = await q.consultants_page(
            session, org_id=org_id, cursor=query.cursor, limit=query.limit
        )
        hours = await q.hours_in_period(
            session,
            org_id=org_id,
            profile_ids=[p for p, _, _ in people],
            start=query.from_,
            end=query.to,
        )
    items = []
    for profile_id, prenom, nom in people:
        logged = hours.get(profile_id, {})
        validated = logged.get(ValidationStatus.VALIDE.value, ZERO)
        items.append(
            ConsultantUtilization(
                profile_id=profile_id,
                prenom=prenom,
                nom=nom,
                heures_validees=money(validated),
                heures_en_attente=money(logged.get(ValidationStatus.EN_ATTENTE.value, ZERO)),
                heures_disponibles=money(available),
                taux_utilisation_pct=money_or_none(pct(validated, available)),
            )
        )
    return UtilizationPage(
        date_debut=query.from_,
        date_fin=query.to,
        jours_ouvres=working_days,
        heures_par_jour=hpd,
        items=items,
        next_cursor=cursor,
    )
