"""A project's incidents."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Incident
from .pagination import page_stmt, split_page


async def create_incident(
    session: AsyncSession, *, org_id: uuid.UUID, project_id: uuid.UUID, fields: dict[str, Any]
) -> Incident:
    row = Incident(organization_id=org_id, projet_id=project_id, **fields)
    session.add(row)
    await session.flush()
    return row


async def get_incident(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    project_id: uuid.UUID,
    incident_id: uuid.UUID,
    for_update: bool = False,
) -> Incident | None:
    """Only through its own project: an incident named under another project is missing."""
    stmt = select(Incident).where(
        Incident.organization_id == org_id,
        Incident.projet_id == project_id,
        Incident.id == incident_id,
    )
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(stmt)


async def list_incidents(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    project_id: uuid.UUID,
    cursor: str | None,
    limit: int,
    statut: str | None = None,
    severite: str | None = None,
) -> tuple[list[Incident], str | None]:
    """Most recently opened first."""
    stmt = select(Incident).where(
        Incident.organization_id == org_id, Incident.projet_id == project_id
    )
    if statut is not None:
        stmt = stmt.where(Incident.statut == statut)
    if severite is not None:
        stmt = stmt.where(Incident.severite == severite)
    columns = [Incident.date_ouverture, Incident.id]
    stmt = page_stmt(stmt, columns, [datetime, uuid.UUID], cursor, limit, descending=True)
    rows = list(await session.scalars(stmt))
    return split_page(rows, limit, lambda i: (i.date_ouverture, i.id))


async def update_incident(session: AsyncSession, row: Incident, values: dict[str, Any]) -> Incident:
    for key, value in values.items():
        setattr(row, key, value)
    await session.flush()
    return row


async def delete_incident(session: AsyncSession, row: Incident) -> None:
    await session.delete(row)
    await session.flush()
