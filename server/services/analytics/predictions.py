"""Risk predictions (`prediction_risque`): the server's own rules, external ones ingested
by POST, and the check of each once its horizon has passed.

The rules (`aurentia-rules-v1`, horizon 30 days) give a probability from 0 to 100 and
a confidence n / (n + 10), where n counts the data points the rule rests on, so it grows
with the amount of data and stays below 1:

- BUDGET: (1 - CPI) / 0.3 x 100, within 0..100 (0 while CPI is undefined); n =
  validated time entries.
- DELAI: the larger of (1 - SPI) / 0.3 x 100 and 2 x the overdue share of tasks and
  milestones x 100, within 0..100; n = tasks + milestones.
- RESSOURCES: the share of the people staffed today who are over-allocated (> 100 %
  across the organization) or ON_LEAVE; n = people staffed today.
- QUALITE: 10 x points, at most 100, where open incidents count FAIBLE 1, MOYENNE 2,
  ELEVEE 4, CRITIQUE 8 and each rejected deliverable 3; n = incidents + deliverables.

A prediction whose horizon has passed (date_prediction + horizon_jours <= now), whoever
made it, gets `date_evaluation` = now and `realise` = whether the risk happened, judged
on the project as it is then: BUDGET if CPI < 1; DELAI if SPI < 1 or a task or milestone
is overdue; RESSOURCES if someone staffed is over-allocated or on leave; QUALITE if an
ELEVEE or CRITIQUE incident is open or a deliverable is rejected.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from protocol.analytics import RULES_MODEL, PredictionCreate, PredictionOut, PredictionQuery
from protocol.common import Page
from protocol.enums import ActivityAction, RiskType, Severity
from store import analytics
from store.db import advisory_lock
from store.models import PredictionRisque

from ...actor import Actor
from ...policy import Action
from ..core import Services, invalid, refuse
from ..finance.earned_value import ZERO, money, money_or_none
from ..projects.projects import member_error
from ..resource import log, out_of, project_page, project_scope
from .signals import REJECTED_DELIVERABLE_POINTS, Signals

HORIZON_DAYS = 30
PREDICTION = "risk_prediction"
HUNDRED = Decimal(100)


def _bounded(value: Decimal) -> Decimal:
    return max(ZERO, min(HUNDRED, value))


def _from_ratio(value: Decimal | None) -> Decimal:
    return ZERO if value is None else _bounded((1 - value) / Decimal("0.3") * HUNDRED)


def confidence_text(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def confidence(n: int) -> Decimal:
    return confidence_text(Decimal(n) / Decimal(n + 10))


def _text(value: Any) -> Any:
    """JSON for `metriques_source`: decimals as text, to 4 places."""
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))
    return value


def rules(s: Signals) -> list[tuple[RiskType, Decimal, int, dict[str, Any], str]]:
    """(type, probability, n, inputs, French justification) for each risk type."""
    f = s.figures
    work = s.tasks_total + s.milestones_total
    late = s.tasks_overdue + s.milestones_overdue
    overdue_p = ZERO if work == 0 else _bounded(Decimal(2 * late) / Decimal(work) * HUNDRED)
    spi_p = _from_ratio(f.spi)
    flagged = [p for p in s.staffed if p.over_allocated or p.on_leave]
    people = len(s.staffed)
    points = s.incident_points + REJECTED_DELIVERABLE_POINTS * s.deliverables_rejected
    return [
        (
            RiskType.BUDGET,
            _from_ratio(f.cpi),
            f.time_entries,
            {
                "cpi": f.cpi,
                "ev": f.ev,
                "ac": f.ac,
                "bac": f.bac,
                "entrees_validees": f.time_entries,
            },
            "Probabilité de dépassement tirée du CPI (0 % à CPI >= 1, 100 % à CPI <= 0,7).",
        ),
        (
            RiskType.DELAI,
            max(spi_p, overdue_p),
            work,
            {
                "spi": f.spi,
                "taches": s.tasks_total,
                "taches_en_retard": s.tasks_overdue,
                "jalons": s.milestones_total,
                "jalons_en_retard": s.milestones_overdue,
            },
            "Maximum du risque tiré du SPI et de deux fois la part de tâches et jalons en retard.",
        ),
        (
            RiskType.RESSOURCES,
            ZERO if people == 0 else Decimal(len(flagged)) / Decimal(people) * HUNDRED,
            people,
            {
                "personnes_affectees": people,
                "sur_allouees": sum(1 for p in s.staffed if p.over_allocated),
                "en_conge": sum(1 for p in s.staffed if p.on_leave),
            },
            "Part des personnes affectées aujourd'hui sur-allouées (> 100 %) ou en congé.",
        ),
        (
            RiskType.QUALITE,
            min(HUNDRED, Decimal(10 * points)),
            s.incidents_total + s.deliverables_total,
            {
                "incidents_ouverts": s.open_incidents,
                "livrables_rejetes": s.deliverables_rejected,
                "points": points,
            },
            "10 points de probabilité par point de gravité : incidents ouverts "
            "(FAIBLE 1 à CRITIQUE 8) et 3 par livrable rejeté.",
        ),
    ]


def happened(kind: RiskType, s: Signals) -> bool:
    f = s.figures
    if kind is RiskType.BUDGET:
        return f.cpi is not None and f.cpi < 1
    if kind is RiskType.DELAI:
        return (f.spi is not None and f.spi < 1) or s.tasks_overdue + s.milestones_overdue > 0
    if kind is RiskType.RESSOURCES:
        return any(p.over_allocated or p.on_leave for p in s.staffed)
    serious = (Severity.ELEVEE.value, Severity.CRITIQUE.value)
    return any(s.open_incidents.get(x, 0) for x in serious) or s.deliverables_rejected > 0


async def predict(
    session: AsyncSession, org_id: uuid.UUID, s: Signals, now: datetime
) -> list[PredictionRisque]:
    """Check the predictions whose horizon has passed, then store today's four."""
    for row in await analytics.unevaluated_predictions(
        session, org_id=org_id, project_id=s.project.id
    ):
        made = row.date_prediction or row.created_at
        if made + timedelta(days=row.horizon_jours) <= now:
            row.realise = happened(RiskType(row.type_risque), s)
            row.date_evaluation = now
    stored = []
    for kind, probability, n, inputs, why in rules(s):
        row = PredictionRisque(
            organization_id=org_id,
            projet_id=s.project.id,
            date_prediction=now,
            horizon_jours=HORIZON_DAYS,
            type_risque=kind.value,
            probabilite_pct=money(probability),
            confidence=confidence(n),
            justification=why,
            metriques_source={k: _text(v) for k, v in inputs.items()},
            modele_ia_utilise=RULES_MODEL,
        )
        stored.append(await analytics.add(session, row))
    return stored


def prediction_out(p: PredictionRisque) -> PredictionOut:
    sure = None if p.confidence is None else confidence_text(p.confidence)
    return out_of(
        PredictionOut, p, probabilite_pct=money_or_none(p.probabilite_pct), confidence=sure
    )


async def list_predictions(
    svc: Services, actor: Actor, org_id: uuid.UUID, project_id: uuid.UUID, query: PredictionQuery
) -> Page[PredictionOut]:
    table, out, finance = analytics.predictions, prediction_out, Action.SEE_FINANCIALS
    return await project_page(
        svc, actor, org_id, project_id, query, table, out, ("type_risque",), finance
    )


async def ingest(
    svc: Services, actor: Actor, org_id: uuid.UUID, project_id: uuid.UUID, req: PredictionCreate
) -> tuple[PredictionOut, bool]:
    """Store an external prediction; (the stored one, False) when this project already
    has one from the same workflow execution and of the same type. A lock on that key
    makes two concurrent deliveries of the same prediction store it once."""
    now = datetime.now(UTC)
    if req.date_prediction is not None and req.date_prediction > now + timedelta(minutes=5):
        raise invalid(["body", "date_prediction"], "may not be in the future")
    async with svc.tx() as tx:
        _, project = await project_scope(
            tx.session, actor, org_id, project_id, Action.MANAGE_PROJECTS
        )
        kind, execution = req.type_risque.value, req.workflow_execution_id
        await advisory_lock(tx.session, f"prediction:{project.id}:{kind}:{execution}")
        found = await analytics.find_prediction(
            tx.session, org_id=org_id, project_id=project.id, execution=execution, kind=kind
        )
        if found is not None:
            return prediction_out(found), False
        refuse([await member_error(tx.session, org_id, req.profile_id, "profile_id")])
        fields = req.model_dump(exclude_none=True)
        fields["type_risque"] = kind
        fields.setdefault("date_prediction", now)
        row = await analytics.add(
            tx.session, PredictionRisque(organization_id=org_id, projet_id=project.id, **fields)
        )
        meta = {
            "projet_id": str(project.id),
            "type_risque": req.type_risque.value,
            "workflow_execution_id": req.workflow_execution_id,
        }
        await log(tx, actor, org_id, ActivityAction.PREDICTION_INGESTED, PREDICTION, row.id, meta)
        return prediction_out(row), True
