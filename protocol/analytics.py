"""Project health scores, risk predictions, drifts, recommended actions and incidents.

Scores, predictions and drifts computed by the server are deterministic rules (named
`aurentia-rules-v1` in `modele_ia_utilise`), each explained in French in its text
field; docs/finance.md gives the rules. Decimals are answered as strings.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from .common import Instant, ListQuery, Name, NotNull, Patch, Request, ShortText
from .enums import (
    DriftType,
    IncidentStatus,
    RecommendationStatus,
    RiskColor,
    RiskType,
    Severity,
)

RULES_MODEL = "aurentia-rules-v1"

ExecutionId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ModelName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class HealthFactor(BaseModel):
    """One input of the score: `sous_score` (0..1) x `poids` is its contribution; a
    factor that cannot be evaluated (`evaluable` false) is left out and the weights of
    the others are scaled to 100."""

    code: str
    libelle: str
    poids: int
    valeur: str | None
    evaluable: bool
    sous_score: Decimal | None
    explication: str


class HealthOut(BaseModel):
    """`facteurs` is given when the score is computed; history answers only what is
    stored (the score, its colour and `raisonnement_ia`, which lists every factor)."""

    id: uuid.UUID
    organization_id: uuid.UUID
    projet_id: uuid.UUID
    date_analyse: date
    score_global: Decimal | None
    couleur_risque: RiskColor
    raisonnement_ia: str | None
    created_at: datetime
    facteurs: list[HealthFactor] | None = None


class PredictionCreate(Request):
    """A prediction made elsewhere (an n8n workflow ...). Idempotent: a POST repeating
    the `workflow_execution_id` and `type_risque` of a prediction already stored for the
    project answers that prediction (200) and stores nothing new."""

    type_risque: RiskType
    probabilite_pct: Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]
    confidence: Annotated[Decimal, Field(ge=0, le=1, max_digits=4, decimal_places=3)]
    horizon_jours: Annotated[int, Field(gt=0, le=3650)]
    workflow_execution_id: ExecutionId
    justification: ShortText | None = None
    metriques_source: dict[str, Any] | None = None
    modele_ia_utilise: ModelName | None = None
    profile_id: uuid.UUID | None = None
    # When the workflow made the prediction; defaults to now, may not be in the future.
    date_prediction: Instant | None = None


class PredictionQuery(ListQuery):
    type_risque: RiskType | None = None


class PredictionOut(BaseModel):
    """`realise` and `date_evaluation` are filled once the horizon has passed, by
    checking what happened (docs/finance.md)."""

    id: uuid.UUID
    organization_id: uuid.UUID
    projet_id: uuid.UUID
    profile_id: uuid.UUID | None
    date_prediction: datetime | None
    horizon_jours: int
    type_risque: RiskType
    probabilite_pct: Decimal | None
    confidence: Decimal | None
    justification: str | None
    metriques_source: dict[str, Any] | None
    workflow_execution_id: str | None
    modele_ia_utilise: str | None
    realise: bool | None
    date_evaluation: datetime | None
    created_at: datetime


class DriftQuery(ListQuery):
    resolue: bool | None = None
    type_derive: DriftType | None = None


class DriftOut(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    projet_id: uuid.UUID
    date_detection: datetime
    type_derive: DriftType
    metrique: str | None
    valeur_observee: Decimal | None
    valeur_attendue: Decimal | None
    ecart_pct: Decimal | None
    severite: Severity
    description: str | None
    resolue: bool


class RecommendationQuery(ListQuery):
    statut: RecommendationStatus | None = None


class RecommendationPatch(Request):
    """PROPOSEE -> ACCEPTEE or REJETEE; ACCEPTEE -> REALISEE or REJETEE; REALISEE and
    REJETEE are final (409)."""

    statut: RecommendationStatus


class RecommendationOut(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    projet_id: uuid.UUID
    derive_id: uuid.UUID | None
    titre: str
    description: str | None
    priorite: Severity
    statut: RecommendationStatus
    recommandations: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class IncidentCreate(Request):
    titre: Name
    description: ShortText | None = None
    severite: Severity
    statut: IncidentStatus = IncidentStatus.OUVERT


class IncidentPatch(Patch):
    """Moving to RESOLU or FERME stamps `date_resolution` (now, unless given); moving
    back to OUVERT or EN_COURS clears it."""

    titre: NotNull[Name] = None
    description: ShortText | None = None
    severite: NotNull[Severity] = None
    statut: NotNull[IncidentStatus] = None
    date_resolution: Instant | None = None


class IncidentQuery(ListQuery):
    statut: IncidentStatus | None = None
    severite: Severity | None = None


class IncidentOut(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    projet_id: uuid.UUID
    titre: str
    description: str | None
    severite: Severity
    statut: IncidentStatus
    date_ouverture: datetime
    date_resolution: datetime | None
    reported_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
