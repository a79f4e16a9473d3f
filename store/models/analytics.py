"""Project health: scores, risk predictions, drifts, recommendations and incidents."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, Index, Numeric, String, Text, false, func
from sqlalchemy.orm import Mapped, mapped_column

from protocol.enums import (
    DriftType,
    IncidentStatus,
    RecommendationStatus,
    RiskColor,
    RiskType,
    Severity,
)

from .base import (
    Base,
    OrgScoped,
    Timestamps,
    UUIDPk,
    enum_column,
    fk,
    in_check,
    range_check,
    utcnow,
)

DEFAULT_JUSTIFICATION = "Prédiction générée automatiquement"


class ScoreSanteProjet(UUIDPk, OrgScoped, Timestamps, Base):
    __tablename__ = "score_sante_projet"
    __table_args__ = (
        range_check("score_global", "score_global", 0, 100),
        in_check("couleur_risque", "couleur_risque", RiskColor),
    )

    projet_id: Mapped[uuid.UUID] = fk("projet.id", "CASCADE", index=True)
    date_analyse: Mapped[date] = mapped_column(index=True)
    score_global: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    couleur_risque: Mapped[str] = mapped_column(Text)
    raisonnement_ia: Mapped[str | None] = mapped_column(Text)


class PredictionRisque(UUIDPk, OrgScoped, Timestamps, Base):
    __tablename__ = "prediction_risque"
    __table_args__ = (
        CheckConstraint("horizon_jours > 0", name="horizon_positive"),
        in_check("type_risque", "type_risque", RiskType),
        range_check("probabilite_pct", "probabilite_pct", 0, 100),
        range_check("confidence", "confidence", 0, 1),
    )

    projet_id: Mapped[uuid.UUID] = fk("projet.id", "CASCADE", index=True)
    profile_id: Mapped[uuid.UUID | None] = fk("profiles.id", "SET NULL", index=True)
    date_prediction: Mapped[datetime | None] = mapped_column(
        default=utcnow, server_default=func.now(), index=True
    )
    horizon_jours: Mapped[int]
    type_risque: Mapped[str] = mapped_column(Text)
    probabilite_pct: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    confidence: Mapped[Decimal | None] = mapped_column(Numeric(4, 3))
    justification: Mapped[str | None] = mapped_column(
        Text, default=DEFAULT_JUSTIFICATION, server_default=DEFAULT_JUSTIFICATION
    )
    metriques_source: Mapped[dict[str, Any] | None]
    workflow_execution_id: Mapped[str | None] = mapped_column(String)
    modele_ia_utilise: Mapped[str | None] = mapped_column(String)
    realise: Mapped[bool | None]
    date_evaluation: Mapped[datetime | None]


class DetectionDerive(UUIDPk, OrgScoped, Timestamps, Base):
    """A measured gap between a project's plan and its actuals (cost, schedule, load)."""

    __tablename__ = "detection_derive"
    __table_args__ = (
        Index("ix_detection_derive_projet_id_date_detection", "projet_id", "date_detection"),
        in_check("type_derive", "type_derive", DriftType),
        in_check("severite", "severite", Severity),
    )

    projet_id: Mapped[uuid.UUID] = fk("projet.id", "CASCADE")
    date_detection: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    type_derive: Mapped[str] = mapped_column(Text)
    metrique: Mapped[str | None] = mapped_column(Text)
    valeur_observee: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    valeur_attendue: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    ecart_pct: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    severite: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    resolue: Mapped[bool] = mapped_column(default=False, server_default=false())


class RecommandationAction(UUIDPk, OrgScoped, Timestamps, Base):
    __tablename__ = "recommandation_action"
    __table_args__ = (
        in_check("priorite", "priorite", Severity),
        in_check("statut", "statut", RecommendationStatus),
    )

    projet_id: Mapped[uuid.UUID] = fk("projet.id", "CASCADE", index=True)
    derive_id: Mapped[uuid.UUID | None] = fk("detection_derive.id", "SET NULL", index=True)
    titre: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    priorite: Mapped[str] = enum_column(Severity.MOYENNE)
    statut: Mapped[str] = enum_column(RecommendationStatus.PROPOSEE)
    recommandations: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Incident(UUIDPk, OrgScoped, Timestamps, Base):
    __tablename__ = "incident"
    __table_args__ = (
        in_check("severite", "severite", Severity),
        in_check("statut", "statut", IncidentStatus),
        CheckConstraint(
            "date_resolution IS NULL OR date_resolution >= date_ouverture", name="dates"
        ),
    )

    projet_id: Mapped[uuid.UUID] = fk("projet.id", "CASCADE", index=True)
    titre: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    severite: Mapped[str] = mapped_column(Text)
    statut: Mapped[str] = enum_column(IncidentStatus.OUVERT)
    date_ouverture: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    date_resolution: Mapped[datetime | None]
    reported_by: Mapped[uuid.UUID | None] = fk("profiles.id", "SET NULL", index=True)
