"""Clients and projects, and the facts the policy needs about them."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Affectation, Client, Projet


async def get_project(
    session: AsyncSession, *, org_id: uuid.UUID, project_id: uuid.UUID, for_update: bool = False
) -> Projet | None:
    stmt = select(Projet).where(Projet.organization_id == org_id, Projet.id == project_id)
    if for_update:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def client_contact_id(
    session: AsyncSession, *, org_id: uuid.UUID, client_id: uuid.UUID
) -> uuid.UUID | None:
    return await session.scalar(
        select(Client.contact_user_id).where(
            Client.organization_id == org_id, Client.id == client_id
        )
    )


async def is_staffed(
    session: AsyncSession, *, org_id: uuid.UUID, project_id: uuid.UUID, user_id: uuid.UUID
) -> bool:
    """Whether `user_id` has an `affectation` on the project (any period)."""
    stmt = select(
        exists().where(
            Affectation.organization_id == org_id,
            Affectation.projet_id == project_id,
            Affectation.profile_id == user_id,
        )
    )
    return bool(await session.scalar(stmt))


def visible_to_client_contact(org_id: uuid.UUID, user_id: uuid.UUID) -> ColumnElement[bool]:
    """Filter for project lists seen by a CLIENT member: only their client's projects."""
    return Projet.client_id.in_(
        select(Client.id).where(Client.organization_id == org_id, Client.contact_user_id == user_id)
    )


async def project_org(session: AsyncSession, project_id: uuid.UUID) -> uuid.UUID | None:
    """The organization of a project found by id alone (socket events name only the id);
    the caller then checks membership in that organization."""
    org_id: uuid.UUID | None = await session.scalar(
        select(Projet.organization_id).where(Projet.id == project_id)
    )
    return org_id
