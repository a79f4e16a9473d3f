"""Incidents, an external prediction, then what the daily analytics job computes for
every active project: health score, drifts with their recommended actions, and risk
predictions (the external one, past its horizon, gets checked against what happened)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from protocol.analytics import (
    IncidentCreate,
    IncidentPatch,
    PredictionCreate,
    RecommendationPatch,
    RecommendationQuery,
)
from protocol.enums import IncidentStatus, RecommendationStatus, RiskType, Severity

from ..services.analytics import drifts, incidents, predictions
from ..services.analytics.analytics_job import analyse_project
from .context import Demo
from .projects import active_projects


@dataclass(frozen=True)
class IncidentSpec:
    project: str
    reporter: str
    titre: str
    description: str
    severite: Severity
    statut: IncidentStatus = IncidentStatus.OUVERT


INCIDENTS = (
    IncidentSpec(
        "migration-cloud",
        "hugo",
        "Coupures du VPN entre Toulouse et AWS",
        "Le tunnel tombe plusieurs fois par nuit, les synchronisations échouent.",
        Severity.ELEVEE,
    ),
    IncidentSpec(
        "migration-cloud",
        "maxime",
        "Réplication PostgreSQL trop lente",
        "Retard de réplication de plusieurs heures sur la base des commandes.",
        Severity.MOYENNE,
        IncidentStatus.EN_COURS,
    ),
    IncidentSpec(
        "espace-client",
        "lea",
        "Lenteurs de l'environnement de recette",
        "Temps de réponse supérieurs à 5 s sur la page de souscription.",
        Severity.MOYENNE,
        IncidentStatus.RESOLU,
    ),
    IncidentSpec(
        "data-sinistres",
        "chloe",
        "Extractions de sinistres incomplètes",
        "Les sinistres clos avant 2019 manquent dans l'extraction quotidienne.",
        Severity.FAIBLE,
    ),
)

# A prediction an n8n workflow made three weeks ago for two weeks ahead: the job checks
# it against what happened.
EXTERNAL = PredictionCreate(
    type_risque=RiskType.DELAI,
    probabilite_pct=Decimal("72.00"),
    confidence=Decimal("0.650"),
    horizon_jours=14,
    workflow_execution_id="n8n-demo-risques-0001",
    justification="Vélocité en baisse sur trois sprints et jalon de recette à risque.",
    metriques_source={"velocite_sprints": [21, 17, 12], "jalons_a_risque": 1},
    modele_ia_utilise="n8n / analyse des risques v2",
)


async def populate(demo: Demo) -> None:
    svc, org = demo.svc, demo.org_id
    for spec in INCIDENTS:
        project, reporter = demo.projects[spec.project], demo.by(spec.reporter)
        out = await incidents.INCIDENTS.create(
            *reporter,
            project,
            IncidentCreate(titre=spec.titre, description=spec.description, severite=spec.severite),
        )
        if spec.statut is not IncidentStatus.OUVERT:
            patch = IncidentPatch(statut=spec.statut)
            await incidents.INCIDENTS.update(*reporter, project, out.id, patch)
        demo.made["incidents"] += 1
    now = datetime.now(UTC)
    made_at = now - timedelta(days=21)
    await predictions.ingest(
        *demo.by("thomas"),
        demo.projects["migration-cloud"],
        EXTERNAL.model_copy(update={"date_prediction": made_at}),
    )
    for key in active_projects():
        await analyse_project(svc, org, demo.projects[key], now)
        demo.made["health scores"] += 1
    # The lead of the drifting project takes up the first recommended action.
    lead, project = demo.by("thomas"), demo.projects["migration-cloud"]
    query = RecommendationQuery(statut=RecommendationStatus.PROPOSEE)
    proposed = await drifts.RECOMMENDATIONS.page(*lead, project, query)
    if proposed.items:
        accepted = RecommendationPatch(statut=RecommendationStatus.ACCEPTEE)
        await drifts.update_recommendation(*lead, project, proposed.items[0].id, accepted)
