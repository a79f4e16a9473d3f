"""The organization's skills catalogue (`competence`).

Every member but a CLIENT contact reads it; managers and above write it. A name is
unique in the organization ignoring case (409): the check runs under an organization
wide lock, so two concurrent creations of "Java" and "java" cannot both pass it.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from protocol.common import ListQuery, Page
from protocol.enums import ActivityAction
from protocol.errors import AppError, ErrorCode, not_found
from protocol.people import CompetenceCreate, CompetenceOut, CompetencePatch
from store import competences
from store.db import advisory_lock
from store.models import Competence

from ...actor import Actor
from ...policy import Action, require_member
from ..changes import created_fields, field_changes
from ..core import Services
from ..resource import log

COMPETENCE = "competence"


def competence_out(c: Competence) -> CompetenceOut:
    return CompetenceOut.model_validate(c, from_attributes=True)


async def _check_name(
    session: AsyncSession, org_id: uuid.UUID, nom: str, exclude_id: uuid.UUID | None = None
) -> None:
    await advisory_lock(session, f"competence-names:{org_id}")
    if await competences.name_taken(session, org_id=org_id, nom=nom, exclude_id=exclude_id):
        raise AppError(ErrorCode.CONFLICT, "the organization already has a skill with this name")


async def competence_or_404(
    session: AsyncSession, org_id: uuid.UUID, competence_id: uuid.UUID, *, for_update: bool = False
) -> Competence:
    row = await competences.table.get(
        session, org_id=org_id, row_id=competence_id, for_update=for_update
    )
    if row is None:
        raise not_found(COMPETENCE)
    return row


async def create_competence(
    svc: Services, actor: Actor, org_id: uuid.UUID, req: CompetenceCreate
) -> CompetenceOut:
    async with svc.tx() as tx:
        await require_member(tx.session, org_id, actor.user_id, Action.MANAGE_PEOPLE)
        await _check_name(tx.session, org_id, req.nom)
        fields = req.model_dump()
        row = await competences.table.create(tx.session, org_id=org_id, fields=fields)
        meta = {"fields": created_fields(fields)}
        await log(tx, actor, org_id, ActivityAction.COMPETENCE_CREATED, COMPETENCE, row.id, meta)
        return competence_out(row)


async def list_competences(
    svc: Services, actor: Actor, org_id: uuid.UUID, query: ListQuery
) -> Page[CompetenceOut]:
    """By name."""
    async with svc.sessions() as session:
        await require_member(session, org_id, actor.user_id, Action.READ_PEOPLE)
        rows, cursor = await competences.table.page(
            session, org_id=org_id, cursor=query.cursor, limit=query.limit
        )
    return Page(items=[competence_out(c) for c in rows], next_cursor=cursor)


async def get_competence(
    svc: Services, actor: Actor, org_id: uuid.UUID, competence_id: uuid.UUID
) -> CompetenceOut:
    async with svc.sessions() as session:
        await require_member(session, org_id, actor.user_id, Action.READ_PEOPLE)
        return competence_out(await competence_or_404(session, org_id, competence_id))


async def update_competence(
    svc: Services, actor: Actor, org_id: uuid.UUID, competence_id: uuid.UUID, patch: CompetencePatch
) -> CompetenceOut:
    changes = patch.changes()
    async with svc.tx() as tx:
        await require_member(tx.session, org_id, actor.user_id, Action.MANAGE_PEOPLE)
        row = await competence_or_404(tx.session, org_id, competence_id, for_update=True)
        diff = field_changes(row, changes)
        if "nom" in diff:
            await _check_name(tx.session, org_id, str(changes["nom"]), exclude_id=row.id)
        if diff:
            await competences.table.update(tx.session, row, {k: changes[k] for k in diff})
            meta = {"changes": diff}
            await log(
                tx, actor, org_id, ActivityAction.COMPETENCE_UPDATED, COMPETENCE, row.id, meta
            )
        return competence_out(row)


async def delete_competence(
    svc: Services, actor: Actor, org_id: uuid.UUID, competence_id: uuid.UUID
) -> None:
    """People's levels in the skill are removed with it."""
    async with svc.tx() as tx:
        await require_member(tx.session, org_id, actor.user_id, Action.MANAGE_PEOPLE)
        row = await competence_or_404(tx.session, org_id, competence_id, for_update=True)
        await log(
            tx,
            actor,
            org_id,
            ActivityAction.COMPETENCE_DELETED,
            COMPETENCE,
            row.id,
            {"nom": row.nom},
        )
        await competences.table.delete(tx.session, row)
