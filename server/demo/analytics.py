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
        project = demo.projects[spec.project]
        out = await incidents.INCIDENTS.create(
            svc,
            demo.actor(spec.reporter),
            org,
            project,
            IncidentCreate(titre=spec.titre, description=spec.description, severite=spec.severite),
        )
        if spec.statut is not IncidentStatus.OUVERT:
            await incidents.INCIDENTS.update(
                svc,
                demo.actor(spec.reporter),
                org,
                project,
                out.id,
                IncidentPatch(statut=spec.statut),
            )
        demo.made["incidents"] += 1
    now = datetime.now(UTC)
    made_at = now - timedelta(days=21)
    await predictions.ingest(
        svc,
        demo.actor("thomas"),
        org,
        demo.projects["migration-cloud"],
        EXTERNAL.model_copy(update={"date_prediction": made_at}),
    )
    for key in active_projects():
        await analyse_project(svc, org, demo.projects[key], now)
        demo.made["health scores"] += 1
    # The lead of the drifting project takes up the first recommended action.
    lead, project = demo.actor("thomas"), demo.projects["migration-cloud"]
    proposed = await drifts.list_recommendations(
        svc, lead, org, project, RecommendationQuery(statut=RecommendationStatus.PROPOSEE)
    )
    if proposed.items:
        await drifts.update_recommendation(
            svc,
            lead,
            org,
            project,
            proposed.items[0].id,
            RecommendationPatch(statut=RecommendationStatus.ACCEPTEE),
        )
