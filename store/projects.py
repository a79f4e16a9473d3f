"""Clients and projects, and the facts the policy needs about them."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from protocol.enums import ChannelType
from protocol.projects import ProjectQuery

from .channel_admin import delete_conversation
from .messages import Conversation
from .models import (
    Affectation,
    Client,
    ProjectChannel,
    Projet,
)
from .pagination import fetch_page
from .scoped import Scoped, delete_row, insert_row

# Oldest first (the list, which joins each project's channel, is written below).
table = Scoped(Projet, by_project=False)


async def get_project(
    session: AsyncSession, *, org_id: uuid.UUID, project_id: uuid.UUID, for_update: bool = False
) -> Projet | None:
    return await table.get(session, org_id=org_id, row_id=project_id, for_update=for_update)


async def client_contact_id(
    session: AsyncSession, *, org_id: uuid.UUID, client_id: uuid.UUID
) -> uuid.UUID | None:
    stmt = clients.where(org_id, None, Client.id == client_id)
    return await session.scalar(stmt.with_only_columns(Client.contact_user_id))


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


def in_contacts_projects(
    column: InstrumentedAttribute[Any], org_id: uuid.UUID, user_id: uuid.UUID | None
) -> list[ColumnElement[bool]]:
    """The filter of a list of project rows (milestones, invoices) as a CLIENT member
    `user_id` reads it: only their clients' projects' rows; none for anyone else (None)."""
    if user_id is None:
        return []
    visible = select(Projet.id).where(
        Projet.organization_id == org_id, visible_to_client_contact(org_id, user_id)
    )
    return [column.in_(visible)]


# Clients ------------------------------------------------------------------------------


# Oldest first. A client is refused deletion by the database (NO ACTION) while a
# project references it.
clients = Scoped(Client, by_project=False)


async def client_has_projects(
    session: AsyncSession, *, org_id: uuid.UUID, client_id: uuid.UUID
) -> bool:
    return await table.taken(session, org_id, Projet.client_id == client_id)


# Projects -----------------------------------------------------------------------------


async def create_project(
    session: AsyncSession, *, org_id: uuid.UUID, fields: dict[str, Any]
) -> tuple[Projet, ProjectChannel]:
    """The project and its chat channel, in the caller's transaction."""
    project = await insert_row(session, Projet(organization_id=org_id, **fields))
    channel = ProjectChannel(organization_id=org_id, projet_id=project.id)
    return project, await insert_row(session, channel)


async def project_channel_id(
    session: AsyncSession, *, org_id: uuid.UUID, project_id: uuid.UUID
) -> uuid.UUID | None:
    return await session.scalar(
        select(ProjectChannel.id).where(
            ProjectChannel.organization_id == org_id, ProjectChannel.projet_id == project_id
        )
    )


async def list_projects(
    session: AsyncSession,
    org_id: uuid.UUID,
    query: ProjectQuery,
    client_contact_id: uuid.UUID | None,
) -> tuple[list[tuple[Projet, uuid.UUID | None]], str | None]:
    """Oldest first, each with its channel id, filtered by the query's `statut` and
    `client_id`; with `client_contact_id`, only the projects of the clients that person is
    contact of."""
    stmt = (
        select(Projet, ProjectChannel.id)
        .outerjoin(ProjectChannel, ProjectChannel.projet_id == Projet.id)
        .where(Projet.organization_id == org_id)
    )
    for name in ("statut", "client_id"):
        if getattr(query, name) is not None:
            stmt = stmt.where(getattr(Projet, name) == getattr(query, name))
    if client_contact_id is not None:
        stmt = stmt.where(visible_to_client_contact(org_id, client_contact_id))
    columns = [Projet.created_at, Projet.id]
    return await fetch_page(session, stmt, columns, query.cursor, query.limit, tuples=True)


async def delete_project(
    session: AsyncSession, project: Projet, channel_id: uuid.UUID | None
) -> None:
    """The project; the database cascades its tasks, deliverables, staffing, milestones,
    channel and the rest. Channel messages, the sequence and read states name their
    channel without a foreign key, so they are deleted here, in the same transaction."""
    if channel_id is not None:
        conv = Conversation(project.organization_id, ChannelType.PROJECT, channel_id)
        await delete_conversation(session, conv)
    await delete_row(session, project)
