"""Health scores, risk predictions, drifts and recommended actions of a project, and the
few facts their rules read that no other aggregate module answers (staffing load,
deliverables, incidents by severity)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from protocol.enums import DeliverableStatus, IncidentStatus, ProjectStatus

from .models import (
    Affectation,
    ConsultantDetails,
    DetectionDerive,
    Incident,
    Livrable,
    PredictionRisque,
    Projet,
    RecommandationAction,
    ScoreSanteProjet,
)
from .pagination import page_stmt, split_page

OPEN_INCIDENT = (IncidentStatus.OUVERT.value, IncidentStatus.EN_COURS.value)


async def add(session: AsyncSession, row: Any) -> Any:
    """Insert one analytics row (its organization and project already set)."""
    session.add(row)
    await session.flush()
    return row


# Health -------------------------------------------------------------------------------


async def list_health(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    project_id: uuid.UUID,
    cursor: str | None,
    limit: int,
) -> tuple[list[ScoreSanteProjet], str | None]:
    """Newest first."""
    stmt = select(ScoreSanteProjet).where(
        ScoreSanteProjet.organization_id == org_id, ScoreSanteProjet.projet_id == project_id
    )
    columns = [ScoreSanteProjet.created_at, ScoreSanteProjet.id]
    stmt = page_stmt(stmt, columns, [datetime, uuid.UUID], cursor, limit, descending=True)
    rows = list(await session.scalars(stmt))
    return split_page(rows, limit, lambda s: (s.created_at, s.id))


# Predictions --------------------------------------------------------------------------


async def find_prediction(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    project_id: uuid.UUID,
    workflow_execution_id: str,
    type_risque: str,
) -> PredictionRisque | None:
    return await session.scalar(
        select(PredictionRisque).where(
            PredictionRisque.organization_id == org_id,
            PredictionRisque.projet_id == project_id,
            PredictionRisque.workflow_execution_id == workflow_execution_id,
            PredictionRisque.type_risque == type_risque,
        )
    )


async def list_predictions(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    project_id: uuid.UUID,
    cursor: str | None,
    limit: int,
    type_risque: str | None = None,
) -> tuple[list[PredictionRisque], str | None]:
    """Newest first (by creation: an ingested prediction may carry an older date)."""
    stmt = select(PredictionRisque).where(
        PredictionRisque.organization_id == org_id, PredictionRisque.projet_id == project_id
    )
    if type_risque is not None:
        stmt = stmt.where(PredictionRisque.type_risque == type_risque)
    columns = [PredictionRisque.created_at, PredictionRisque.id]
    stmt = page_stmt(stmt, columns, [datetime, uuid.UUID], cursor, limit, descending=True)
    rows = list(await session.scalars(stmt))
    return split_page(rows, limit, lambda p: (p.created_at, p.id))


async def unevaluated_predictions(
    session: AsyncSession, *, org_id: uuid.UUID, project_id: uuid.UUID
) -> list[PredictionRisque]:
    """Predictions not yet checked against what happened (the caller keeps those whose
    horizon has passed: date arithmetic differs between the engines)."""
    stmt = (
        select(PredictionRisque)
        .where(
            PredictionRisque.organization_id == org_id,
            PredictionRisque.projet_id == project_id,
            PredictionRisque.realise.is_(None),
        )
        .order_by(PredictionRisque.created_at, PredictionRisque.id)
        .with_for_update()
    )
    return list(await session.scalars(stmt))


# Drifts and recommendations -----------------------------------------------------------


async def open_drifts(
    session: AsyncSession, *, org_id: uuid.UUID, project_id: uuid.UUID
) -> list[DetectionDerive]:
    stmt = (
        select(DetectionDerive)
        .where(
            DetectionDerive.organization_id == org_id,
            DetectionDerive.projet_id == project_id,
            DetectionDerive.resolue.is_(False),
        )
        .with_for_update()
    )
    return list(await session.scalars(stmt))


async def list_drifts(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    project_id: uuid.UUID,
    cursor: str | None,
    limit: int,
    resolue: bool | None = None,
    type_derive: str | None = None,
) -> tuple[list[DetectionDerive], str | None]:
    """Newest first."""
    stmt = select(DetectionDerive).where(
        DetectionDerive.organization_id == org_id, DetectionDerive.projet_id == project_id
    )
    if resolue is not None:
        stmt = stmt.where(DetectionDerive.resolue.is_(resolue))
    if type_derive is not None:
        stmt = stmt.where(DetectionDerive.type_derive == type_derive)
    columns = [DetectionDerive.date_detection, DetectionDerive.id]
    stmt = page_stmt(stmt, columns, [datetime, uuid.UUID], cursor, limit, descending=True)
    rows = list(await session.scalars(stmt))
    return split_page(rows, limit, lambda d: (d.date_detection, d.id))


async def get_recommendation(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    project_id: uuid.UUID,
    recommendation_id: uuid.UUID,
    for_update: bool = False,
) -> RecommandationAction | None:
    stmt = select(RecommandationAction).where(
        RecommandationAction.organization_id == org_id,
        RecommandationAction.projet_id == project_id,
        RecommandationAction.id == recommendation_id,
    )
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(stmt)


async def list_recommendations(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    project_id: uuid.UUID,
    cursor: str | None,
    limit: int,
    statut: str | None = None,
) -> tuple[list[RecommandationAction], str | None]:
    """Newest first."""
    stmt = select(RecommandationAction).where(
        RecommandationAction.organization_id == org_id,
        RecommandationAction.projet_id == project_id,
    )
    if statut is not None:
        stmt = stmt.where(RecommandationAction.statut == statut)
    columns = [RecommandationAction.created_at, RecommandationAction.id]
    stmt = page_stmt(stmt, columns, [datetime, uuid.UUID], cursor, limit, descending=True)
    rows = list(await session.scalars(stmt))
    return split_page(rows, limit, lambda r: (r.created_at, r.id))


# Facts the rules read -----------------------------------------------------------------


async def open_incidents_by_severity(
    session: AsyncSession, *, org_id: uuid.UUID, project_id: uuid.UUID
) -> dict[str, int]:
    stmt = (
        select(Incident.severite, func.count())
        .where(
            Incident.organization_id == org_id,
            Incident.projet_id == project_id,
            Incident.statut.in_(OPEN_INCIDENT),
        )
        .group_by(Incident.severite)
    )
    return {severity: int(n) for severity, n in await session.execute(stmt)}


async def count_incidents(
    session: AsyncSession, *, org_id: uuid.UUID, project_id: uuid.UUID
) -> int:
    stmt = select(func.count()).where(
        Incident.organization_id == org_id, Incident.projet_id == project_id
    )
    return int(await session.scalar(stmt) or 0)


async def deliverable_counts(
    session: AsyncSession, *, org_id: uuid.UUID, project_id: uuid.UUID
) -> tuple[int, int]:
    """(deliverables, rejected deliverables) of the project."""
    rejected = func.sum(case((Livrable.statut == DeliverableStatus.REJETE.value, 1), else_=0))
    stmt = select(func.count(), func.coalesce(rejected, 0)).where(
        Livrable.organization_id == org_id, Livrable.projet_id == project_id
    )
    total, bad = (await session.execute(stmt)).one()
    return int(total), int(bad)


def _active_on(day: date) -> Any:
    return and_(
        Affectation.date_debut <= day,
        or_(Affectation.date_fin.is_(None), Affectation.date_fin >= day),
    )


async def staffing_load(
    session: AsyncSession, *, org_id: uuid.UUID, project_id: uuid.UUID, day: date
) -> list[tuple[uuid.UUID, int, str | None]]:
    """For each person staffed on the project on `day`: their total allocation that day
    across the organization's projects, and their consultant status (None without
    `consultant_details`)."""
    staffed = select(Affectation.profile_id).where(
        Affectation.organization_id == org_id,
        Affectation.projet_id == project_id,
        _active_on(day),
    )
    stmt = (
        select(
            Affectation.profile_id, func.sum(Affectation.allocation_pct), ConsultantDetails.statut
        )
        .outerjoin(
            ConsultantDetails,
            and_(
                ConsultantDetails.organization_id == org_id,
                ConsultantDetails.profile_id == Affectation.profile_id,
            ),
        )
        .where(
            Affectation.organization_id == org_id,
            Affectation.profile_id.in_(staffed),
            _active_on(day),
        )
        .group_by(Affectation.profile_id, ConsultantDetails.statut)
    )
    return [(who, int(load or 0), statut) for who, load, statut in await session.execute(stmt)]


async def active_project_ids(session: AsyncSession, *, org_id: uuid.UUID) -> list[uuid.UUID]:
    """The organization's ACTIF projects, for the analytics job."""
    stmt = (
        select(Projet.id)
        .where(Projet.organization_id == org_id, Projet.statut == ProjectStatus.ACTIF.value)
        .order_by(Projet.id)
    )
    return list(await session.scalars(stmt))
