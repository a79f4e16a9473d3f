"""A project's incidents: read by the project's readers (a CLIENT member on their own
projects too), reported and updated by those who edit its tasks (managers and above,
the project lead, staffed consultants), deleted by managers and above.

Moving an incident to RESOLU or FERME stamps `date_resolution` (now unless given, never
before `date_ouverture`); moving it back to OUVERT or EN_COURS clears it. Open incidents
(OUVERT, EN_COURS) weigh on the project's health and quality risk.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from protocol.analytics import IncidentCreate, IncidentOut, IncidentPatch, IncidentQuery
from protocol.common import Page
from protocol.enums import ActivityAction, IncidentStatus, Severity
from protocol.errors import FieldError, not_found, validation_error
from store import incidents
from store.models import Incident, Projet

from ..actor import Actor
from ..policy import Action, require, require_task_editor
from .changes import created_fields, field_changes
from .core import Services, Tx
from .delivery import log, readable_project

INCIDENT = "incident"
CLOSED = {IncidentStatus.RESOLU, IncidentStatus.FERME}


def incident_out(i: Incident) -> IncidentOut:
    return IncidentOut(
        id=i.id,
        organization_id=i.organization_id,
        projet_id=i.projet_id,
        titre=i.titre,
        description=i.description,
        severite=Severity(i.severite),
        statut=IncidentStatus(i.statut),
        date_ouverture=i.date_ouverture,
        date_resolution=i.date_resolution,
        reported_by=i.reported_by,
        created_at=i.created_at,
        updated_at=i.updated_at,
    )


async def _incident(
    session: AsyncSession, project: Projet, incident_id: uuid.UUID, *, for_update: bool = False
) -> Incident:
    row = await incidents.get_incident(
        session,
        org_id=project.organization_id,
        project_id=project.id,
        incident_id=incident_id,
        for_update=for_update,
    )
    if row is None:
        raise not_found(INCIDENT)
    return row


async def create_incident(
    svc: Services, actor: Actor, org_id: uuid.UUID, project_id: uuid.UUID, req: IncidentCreate
) -> IncidentOut:
    now = datetime.now(UTC)
    async with svc.tx() as tx:
        member, project = await readable_project(tx.session, actor, org_id, project_id)
        await require_task_editor(tx.session, member, project)
        fields: dict[str, Any] = {
            **req.model_dump(),
            "severite": req.severite.value,
            "statut": req.statut.value,
            "date_ouverture": now,
            "reported_by": actor.user_id,
            "date_resolution": now if req.statut in CLOSED else None,
        }
        row = await incidents.create_incident(
            tx.session, org_id=org_id, project_id=project.id, fields=fields
        )
        await _log(
            tx,
            actor,
            org_id,
            ActivityAction.INCIDENT_CREATED,
            row,
            {"fields": created_fields(fields)},
        )
        return incident_out(row)


async def _log(
    tx: Tx, actor: Actor, org_id: uuid.UUID, action: ActivityAction, row: Incident, meta: Any
) -> None:
    await log(
        tx, actor, org_id, action, INCIDENT, row.id, {"projet_id": str(row.projet_id), **meta}
    )


async def list_incidents(
    svc: Services, actor: Actor, org_id: uuid.UUID, project_id: uuid.UUID, query: IncidentQuery
) -> Page[IncidentOut]:
    async with svc.sessions() as session:
        _, project = await readable_project(session, actor, org_id, project_id)
        rows, cursor = await incidents.list_incidents(
            session,
            org_id=org_id,
            project_id=project.id,
            cursor=query.cursor,
            limit=query.limit,
            statut=query.statut,
            severite=query.severite,
        )
    return Page(items=[incident_out(i) for i in rows], next_cursor=cursor)


async def get_incident(
    svc: Services, actor: Actor, org_id: uuid.UUID, project_id: uuid.UUID, incident_id: uuid.UUID
) -> IncidentOut:
    async with svc.sessions() as session:
        _, project = await readable_project(session, actor, org_id, project_id)
        return incident_out(await _incident(session, project, incident_id))


def _resolution(row: Incident, values: dict[str, Any], now: datetime) -> dict[str, Any]:
    """`values` with `date_resolution` following the status it leaves the incident in."""
    status = IncidentStatus(values.get("statut", row.statut))
    if status not in CLOSED:
        if values.get("date_resolution") is not None:
            raise validation_error(
                [
                    FieldError(
                        loc=["body", "date_resolution"],
                        msg="only a resolved or closed incident has one",
                    )
                ]
            )
        return {**values, "date_resolution": None}
    resolved = values.get("date_resolution") or row.date_resolution or now
    if resolved < row.date_ouverture:
        raise validation_error(
            [FieldError(loc=["body", "date_resolution"], msg="may not precede date_ouverture")]
        )
    return {**values, "date_resolution": resolved}


async def update_incident(
    svc: Services,
    actor: Actor,
    org_id: uuid.UUID,
    project_id: uuid.UUID,
    incident_id: uuid.UUID,
    patch: IncidentPatch,
) -> IncidentOut:
    raw = {k: getattr(v, "value", v) for k, v in patch.changes().items()}
    async with svc.tx() as tx:
        member, project = await readable_project(tx.session, actor, org_id, project_id)
        await require_task_editor(tx.session, member, project)
        row = await _incident(tx.session, project, incident_id, for_update=True)
        values = _resolution(row, raw, datetime.now(UTC))
        diff = field_changes(row, values)
        if diff:
            await incidents.update_incident(tx.session, row, {k: values[k] for k in diff})
            await _log(tx, actor, org_id, ActivityAction.INCIDENT_UPDATED, row, {"changes": diff})
        return incident_out(row)


async def delete_incident(
    svc: Services, actor: Actor, org_id: uuid.UUID, project_id: uuid.UUID, incident_id: uuid.UUID
) -> None:
    async with svc.tx() as tx:
        member, project = await readable_project(tx.session, actor, org_id, project_id)
        require(member, Action.MANAGE_PROJECTS)
        row = await _incident(tx.session, project, incident_id, for_update=True)
        await _log(tx, actor, org_id, ActivityAction.INCIDENT_DELETED, row, {"titre": row.titre})
        await incidents.delete_incident(tx.session, row)
