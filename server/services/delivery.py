"""A project's deliverables (`livrable`), and what it shares with staffing.

Deliverables follow the task rules: whoever may edit the project's tasks writes them
(managers and above, the project lead, staffed consultants); its readers read them.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from protocol.common import Page
from protocol.delivery import DeliverableCreate, DeliverableOut, DeliverablePatch, DeliverableQuery
from protocol.enums import ActivityAction, DeliverableStatus
from protocol.errors import not_found
from store import activity, deliverables, projects
from store.models import Livrable, Projet

from ..actor import Actor
from ..policy import Member, require_member, require_project_reader, require_task_editor
from .changes import created_fields, field_changes
from .core import Services, Tx

DELIVERABLE = "deliverable"


async def readable_project(
    session: AsyncSession, actor: Actor, org_id: uuid.UUID, project_id: uuid.UUID
) -> tuple[Member, Projet]:
    """The caller's membership and the project, which they must be able to read."""
    member = await require_member(session, org_id, actor.user_id)
    project = await projects.get_project(session, org_id=org_id, project_id=project_id)
    if project is None:
        raise not_found("project")
    await require_project_reader(session, member, project)
    return member, project


async def log(
    tx: Tx,
    actor: Actor,
    org_id: uuid.UUID,
    action: ActivityAction,
    resource_type: str,
    resource_id: uuid.UUID,
    metadata: dict[str, Any],
) -> None:
    await activity.log_activity(
        tx.session,
        org_id=org_id,
        user_id=actor.user_id,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        metadata=metadata,
    )


# Deliverables -------------------------------------------------------------------------


def deliverable_out(d: Livrable) -> DeliverableOut:
    return DeliverableOut(
        id=d.id,
        organization_id=d.organization_id,
        projet_id=d.projet_id,
        nom=d.nom,
        description=d.description,
        date_prevue=d.date_prevue,
        date_livraison=d.date_livraison,
        statut=DeliverableStatus(d.statut),
        created_at=d.created_at,
        updated_at=d.updated_at,
    )


async def create_deliverable(
    svc: Services, actor: Actor, org_id: uuid.UUID, project_id: uuid.UUID, req: DeliverableCreate
) -> DeliverableOut:
    async with svc.tx() as tx:
        member, project = await readable_project(tx.session, actor, org_id, project_id)
        await require_task_editor(tx.session, member, project)
        fields = req.model_dump()
        row = await deliverables.create_deliverable(
            tx.session, org_id=org_id, project_id=project.id, fields=fields
        )
        await log(
            tx,
            actor,
            org_id,
            ActivityAction.DELIVERABLE_CREATED,
            DELIVERABLE,
            row.id,
            {"projet_id": str(project.id), "fields": created_fields(fields)},
        )
        return deliverable_out(row)


async def list_deliverables(
    svc: Services, actor: Actor, org_id: uuid.UUID, project_id: uuid.UUID, query: DeliverableQuery
) -> Page[DeliverableOut]:
    async with svc.sessions() as session:
        _, project = await readable_project(session, actor, org_id, project_id)
        rows, cursor = await deliverables.list_deliverables(
            session,
            org_id=org_id,
            project_id=project.id,
            cursor=query.cursor,
            limit=query.limit,
            statut=query.statut,
        )
    return Page(items=[deliverable_out(r) for r in rows], next_cursor=cursor)


async def _deliverable(
    session: AsyncSession,
    org_id: uuid.UUID,
    project: Projet,
    deliverable_id: uuid.UUID,
    *,
    for_update: bool = False,
) -> Livrable:
    row = await deliverables.get_deliverable(
        session,
        org_id=org_id,
        project_id=project.id,
        deliverable_id=deliverable_id,
        for_update=for_update,
    )
    if row is None:
        raise not_found(DELIVERABLE)
    return row


async def get_deliverable(
    svc: Services, actor: Actor, org_id: uuid.UUID, project_id: uuid.UUID, deliverable_id: uuid.UUID
) -> DeliverableOut:
    async with svc.sessions() as session:
        _, project = await readable_project(session, actor, org_id, project_id)
        return deliverable_out(await _deliverable(session, org_id, project, deliverable_id))


async def update_deliverable(
    svc: Services,
    actor: Actor,
    org_id: uuid.UUID,
    project_id: uuid.UUID,
    deliverable_id: uuid.UUID,
    patch: DeliverablePatch,
) -> DeliverableOut:
    changes = patch.changes()
    async with svc.tx() as tx:
        member, project = await readable_project(tx.session, actor, org_id, project_id)
        await require_task_editor(tx.session, member, project)
        row = await _deliverable(tx.session, org_id, project, deliverable_id, for_update=True)
        values = {k: getattr(v, "value", v) for k, v in changes.items()}
        diff = field_changes(row, values)
        if diff:
            await deliverables.update_deliverable(tx.session, row, {k: values[k] for k in diff})
            await log(
                tx,
                actor,
                org_id,
                ActivityAction.DELIVERABLE_UPDATED,
                DELIVERABLE,
                row.id,
                {"changes": diff},
            )
        return deliverable_out(row)


async def delete_deliverable(
    svc: Services, actor: Actor, org_id: uuid.UUID, project_id: uuid.UUID, deliverable_id: uuid.UUID
) -> None:
    """Its tasks stay, no longer attached to a deliverable."""
    async with svc.tx() as tx:
        member, project = await readable_project(tx.session, actor, org_id, project_id)
        await require_task_editor(tx.session, member, project)
        row = await _deliverable(tx.session, org_id, project, deliverable_id, for_update=True)
        await log(
            tx,
            actor,
            org_id,
            ActivityAction.DELIVERABLE_DELETED,
            DELIVERABLE,
            row.id,
            {"projet_id": str(project.id), "nom": row.nom},
        )
        await deliverables.delete_deliverable(tx.session, row)
