"""The organization's skills catalogue (`competence`).

Every member but a CLIENT contact reads it; managers and above write it. A name is
unique in the organization ignoring case (409): the check runs under an organization
wide lock, so two concurrent creations of "Java" and "java" cannot both pass it.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from protocol.errors import AppError, ErrorCode
from protocol.people import CompetenceCreate, CompetenceOut
from store import competences
from store.db import advisory_lock
from store.models import Competence

from ...policy import Action
from ..core import Tx
from ..resource import OrgResource


async def _check_name(
    session: AsyncSession, org_id: uuid.UUID, nom: str, exclude_id: uuid.UUID | None = None
) -> None:
    await advisory_lock(session, f"competence-names:{org_id}")
    if await competences.name_taken(session, org_id=org_id, nom=nom, exclude_id=exclude_id):
        raise AppError(ErrorCode.CONFLICT, "the organization already has a skill with this name")


async def _new_name(tx: Tx, org_id: uuid.UUID, req: CompetenceCreate) -> None:
    await _check_name(tx.session, org_id, req.nom)


async def _renamed(tx: Tx, row: Competence, values: dict[str, Any], diff: dict[str, Any]) -> None:
    if "nom" in diff:
        await _check_name(tx.session, row.organization_id, str(values["nom"]), row.id)


# Listed by name; people's levels in a deleted skill go with it.
COMPETENCES: OrgResource[Competence, CompetenceOut] = OrgResource(
    name="competence",
    table=competences.table,
    out=CompetenceOut,
    label="nom",
    reads=Action.READ_PEOPLE,
    writes=Action.MANAGE_PEOPLE,
    before_create=_new_name,
    before_update=_renamed,
)
