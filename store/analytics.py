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

from . import deliverables, incidents
from .consultants import details_of
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
from .scoped import Scoped, insert_row

OPEN_INCIDENT = (IncidentStatus.OUVERT.value, IncidentStatus.EN_COURS.value)


# Each newest first.
health = Scoped(ScoreSanteProjet, descending=True)
# By creation: an ingested prediction may carry an older date.
predictions = Scoped(PredictionRisque, descending=True)
drifts = Scoped(DetectionDerive, (DetectionDerive.date_detection, datetime), descending=True)
recommendations = Scoped(RecommandationAction, descending=True)


# Insert one analytics row (its organization and project already set).
add = insert_row


# Predictions --------------------------------------------------------------------------


async def find_prediction(
    session: AsyncSession, *, org_id: uuid.UUID, project_id: uuid.UUID, execution: str, kind: str
) -> PredictionRisque | None:
    """The project's prediction of type `kind` from the workflow execution `execution`."""
    made_by = PredictionRisque.workflow_execution_id == execution
    stmt = predictions.where(org_id, project_id, made_by, PredictionRisque.type_risque == kind)
    return await session.scalar(stmt)


async def unevaluated_predictions(
    session: AsyncSession, *, org_id: uuid.UUID, project_id: uuid.UUID
) -> list[PredictionRisque]:
    """Predictions not yet checked against what happened (the caller keeps those whose
    horizon has passed: date arithmetic differs between the engines)."""
    stmt = predictions.where(org_id, project_id, PredictionRisque.realise.is_(None))
    order = (PredictionRisque.created_at, PredictionRisque.id)
    return list(await session.scalars(stmt.order_by(*order).with_for_update()))


# Drifts and recommendations -----------------------------------------------------------


async def open_drifts(
    session: AsyncSession, *, org_id: uuid.UUID, project_id: uuid.UUID
) -> list[DetectionDerive]:
    stmt = drifts.where(org_id, project_id, DetectionDerive.resolue.is_(False))
    return list(await session.scalars(stmt.with_for_update()))


# Facts the rules read -----------------------------------------------------------------


async def incident_counts(
    session: AsyncSession, *, org_id: uuid.UUID, project_id: uuid.UUID
) -> tuple[dict[str, int], int]:
    """(open incidents by severity, incidents in all) of the project, in one read."""
    still_open = func.sum(case((Incident.statut.in_(OPEN_INCIDENT), 1), else_=0))
    rows = incidents.table.where(org_id, project_id).group_by(Incident.severite)
    stmt = rows.with_only_columns(Incident.severite, still_open, func.count())
    counts = (await session.execute(stmt)).all()
    return {severity: int(n) for severity, n, _ in counts if n}, sum(t for *_, t in counts)


async def deliverable_counts(
    session: AsyncSession, *, org_id: uuid.UUID, project_id: uuid.UUID
) -> tuple[int, int]:
    """(deliverables, rejected deliverables) of the project."""
    rejected = func.sum(case((Livrable.statut == DeliverableStatus.REJETE.value, 1), else_=0))
    rows = deliverables.table.where(org_id, project_id)
    stmt = rows.with_only_columns(func.count(), func.coalesce(rejected, 0))
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
        Affectation.organization_id == org_id, Affectation.projet_id == project_id, _active_on(day)
    )
    stmt = (
        select(
            Affectation.profile_id, func.sum(Affectation.allocation_pct), ConsultantDetails.statut
        )
        .outerjoin(ConsultantDetails, details_of(org_id, Affectation.profile_id))
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
