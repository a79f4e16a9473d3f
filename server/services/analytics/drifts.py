"""Drifts (`detection_derive`) and the actions recommended for them (rules v1).

A drift is recorded when a measure passes its threshold, with a severity by how far:

- COUT: CPI < 0.9; deviation d = 1 - CPI: FAIBLE below 0.2, MOYENNE from 0.2, ELEVEE
  from 0.3, CRITIQUE from 0.4.
- DELAI: SPI < 0.9, the same way.
- CHARGE: validated days above 110 % of the tasks' estimated days (charge_estimee_jh);
  d = days / estimate - 1: FAIBLE below 0.25, MOYENNE from 0.25, ELEVEE from 0.5,
  CRITIQUE from 1.

One open drift per type and project: while the measure stays past its threshold the open
drift is updated (value, deviation, severity); when it comes back, the drift is marked
`resolue`. Each new drift gets one recommended action (`recommandation_action`, status
PROPOSEE, priority = the drift's severity); a manager then accepts, rejects or completes
it (PATCH): PROPOSEE -> ACCEPTEE | REJETEE, ACCEPTEE -> REALISEE | REJETEE.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from protocol.analytics import (
    DriftOut,
    DriftQuery,
    RecommendationOut,
    RecommendationPatch,
)
from protocol.common import Page
from protocol.enums import DriftType, RecommendationStatus, Severity
from protocol.errors import AppError, ErrorCode
from store import analytics
from store.models import DetectionDerive, RecommandationAction

from ...actor import Actor
from ...policy import Action
from ..core import Services
from ..finance.earned_value import money_or_none, ratio
from ..resource import ProjectResource, out_of, project_page, project_scope
from .health import fr
from .signals import Signals

THRESHOLD = Decimal("0.9")
WORKLOAD_THRESHOLD = Decimal("1.1")

NEXT_STATUS = {
    RecommendationStatus.PROPOSEE: {RecommendationStatus.ACCEPTEE, RecommendationStatus.REJETEE},
    RecommendationStatus.ACCEPTEE: {RecommendationStatus.REALISEE, RecommendationStatus.REJETEE},
}

ACTIONS: dict[DriftType, tuple[str, list[str]]] = {
    DriftType.COUT: (
        "Maîtriser les coûts du projet",
        [
            "Analyser le temps passé par tâche et par consultant",
            "Revoir le staffing (profils et taux) sur le reste à faire",
            "Réestimer le reste à faire et l'estimation à terminaison (EAC)",
            "Proposer un avenant au client si le périmètre a dérivé",
        ],
    ),
    DriftType.DELAI: (
        "Rattraper le retard de planning",
        [
            "Lister les tâches et jalons en retard",
            "Prioriser le chemin critique",
            "Renforcer l'équipe ou replanifier les jalons avec le client",
        ],
    ),
    DriftType.CHARGE: (
        "Réestimer la charge du projet",
        [
            "Comparer charge consommée et charge estimée par tâche",
            "Mettre à jour les estimations des tâches restantes",
            "Arbitrer le périmètre avec le client",
        ],
    ),
}


@dataclass(frozen=True)
class Measure:
    type: DriftType
    metrique: str
    observed: Decimal
    expected: Decimal
    severity: Severity

    @property
    def ecart_pct(self) -> Decimal:
        return (self.observed - self.expected) / self.expected * 100

    def description(self) -> str:
        return (
            f"{self.metrique} observé {fr(self.observed, 4)} pour {fr(self.expected, 4)} attendu "
            f"(écart {fr(self.ecart_pct)} %) : dérive {self.severity.value}."
        )


def _severity(deviation: Decimal, steps: tuple[str, str, str]) -> Severity:
    medium, high, critical = (Decimal(x) for x in steps)
    if deviation >= critical:
        return Severity.CRITIQUE
    if deviation >= high:
        return Severity.ELEVEE
    if deviation >= medium:
        return Severity.MOYENNE
    return Severity.FAIBLE


def measures(s: Signals) -> dict[DriftType, Measure | None]:
    """Each drift type's measure when past its threshold, None when within it (or not
    measurable)."""
    f = s.figures
    found: dict[DriftType, Measure | None] = {}
    for kind, name, value in ((DriftType.COUT, "CPI", f.cpi), (DriftType.DELAI, "SPI", f.spi)):
        found[kind] = (
            Measure(kind, name, value, Decimal(1), _severity(1 - value, ("0.2", "0.3", "0.4")))
            if value is not None and value < THRESHOLD
            else None
        )
    days = f.heures_validees / f.hours_per_day
    estimate = s.estimated_days
    found[DriftType.CHARGE] = (
        Measure(
            DriftType.CHARGE,
            "jours consommés / jours estimés",
            days,
            estimate,
            _severity(days / estimate - 1, ("0.25", "0.5", "1")),
        )
        if estimate > 0 and days > estimate * WORKLOAD_THRESHOLD
        else None
    )
    return found


async def detect(session: AsyncSession, org_id: uuid.UUID, s: Signals) -> list[DetectionDerive]:
    """Record, update or resolve the project's drifts; recommend for the new ones. The
    new drifts are returned."""
    open_by_type = {
        d.type_derive: d
        for d in await analytics.open_drifts(session, org_id=org_id, project_id=s.project.id)
    }
    created = []
    for kind, measure in measures(s).items():
        current = open_by_type.get(kind.value)
        if measure is None:
            if current is not None:
                current.resolue = True
            continue
        values = {
            "metrique": measure.metrique,
            "valeur_observee": measure.observed.quantize(Decimal("0.0001")),
            "valeur_attendue": measure.expected.quantize(Decimal("0.0001")),
            "ecart_pct": measure.ecart_pct.quantize(Decimal("0.01")),
            "severite": measure.severity.value,
            "description": measure.description(),
        }
        if current is not None:
            for key, value in values.items():
                setattr(current, key, value)
            continue
        drift = await analytics.add(
            session,
            DetectionDerive(
                organization_id=org_id, projet_id=s.project.id, type_derive=kind.value, **values
            ),
        )
        created.append(drift)
        title, steps = ACTIONS[kind]
        figures = {k: str(v) for k, v in values.items() if k != "description"}
        recommendation = RecommandationAction(
            organization_id=org_id,
            projet_id=s.project.id,
            derive_id=drift.id,
            titre=title,
            description=measure.description(),
            priorite=measure.severity.value,
            recommandations={"actions": steps, "derive": {"type": kind.value, **figures}},
        )
        await analytics.add(session, recommendation)
    await session.flush()
    return created


def drift_out(d: DetectionDerive) -> DriftOut:
    return out_of(
        DriftOut,
        d,
        valeur_observee=ratio(d.valeur_observee),
        valeur_attendue=ratio(d.valeur_attendue),
        ecart_pct=money_or_none(d.ecart_pct),
    )


# Recommendations are created by `detect`; the API lists them, newest first, for the
# callers who read the figures, and changes their status.
RECOMMENDATIONS: ProjectResource[RecommandationAction, RecommendationOut] = ProjectResource(
    name="recommendation",
    table=analytics.recommendations,
    out=RecommendationOut,
    label="titre",
    filters=("statut",),
    reads=Action.SEE_FINANCIALS,
)


async def list_drifts(
    svc: Services, actor: Actor, org_id: uuid.UUID, project_id: uuid.UUID, query: DriftQuery
) -> Page[DriftOut]:
    table, filters = analytics.drifts, ("resolue", "type_derive")
    return await project_page(
        svc, actor, org_id, project_id, query, table, drift_out, filters, Action.SEE_FINANCIALS
    )


async def update_recommendation(
    svc: Services,
    actor: Actor,
    org_id: uuid.UUID,
    project_id: uuid.UUID,
    recommendation_id: uuid.UUID,
    patch: RecommendationPatch,
) -> RecommendationOut:
    async with svc.tx() as tx:
        _, project = await project_scope(
            tx.session, actor, org_id, project_id, Action.MANAGE_PROJECTS
        )
        row = await RECOMMENDATIONS.row(tx.session, project, recommendation_id, for_update=True)
        current = RecommendationStatus(row.statut)
        if patch.statut == current:
            return RECOMMENDATIONS.output(row)
        if patch.statut not in NEXT_STATUS.get(current, set()):
            raise AppError(
                ErrorCode.CONFLICT,
                f"a {current.value} recommendation cannot become {patch.statut.value}",
            )
        scope = {"projet_id": str(project.id)}
        await RECOMMENDATIONS.write_changes(tx, actor, row, {"statut": patch.statut.value}, scope)
        return RECOMMENDATIONS.output(row)
