"""A project's deliverables (`livrable`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Livrable
from .pagination import page_stmt, split_page


async def create_deliverable(
    session: AsyncSession, *, org_id: uuid.UUID, project_id: uuid.UUID, fields: dict[str, Any]
) -> Livrable:
    deliverable = Livrable(organization_id=org_id, projet_id=project_id, **fields)
    session.add(deliverable)
    await session.flush()
    return deliverable


async def get_deliverable(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    project_id: uuid.UUID,
    deliverable_id: uuid.UUID,
    for_update: bool = False,
) -> Livrable | None:
    """Only through its own project: a deliverable named under another project is missing."""
    stmt = select(Livrable).where(
        Livrable.organization_id == org_id,
        Livrable.projet_id == project_id,
        Livrable.id == deliverable_id,
    )
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(stmt)


async def list_deliverables(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    project_id: uuid.UUID,
    cursor: str | None,
    limit: int,
    statut: str | None = None,
) -> tuple[list[Livrable], str | None]:
    """Oldest first (creation order is stable while rows are added)."""
    stmt = select(Livrable).where(
        Livrable.organization_id == org_id, Livrable.projet_id == project_id
    )
    if statut is not None:
        stmt = stmt.where(Livrable.statut == statut)
    columns = [Livrable.created_at, Livrable.id]
    stmt = page_stmt(stmt, columns, [datetime, uuid.UUID], cursor, limit)
    rows = list(await session.scalars(stmt))
    return split_page(rows, limit, lambda d: (d.created_at, d.id))


async def update_deliverable(
    session: AsyncSession, deliverable: Livrable, values: dict[str, Any]
) -> Livrable:
    for key, value in values.items():
        setattr(deliverable, key, value)
    await session.flush()
    return deliverable


async def delete_deliverable(session: AsyncSession, deliverable: Livrable) -> None:
    """Tasks that pointed at it keep existing with `livrable_id` NULL (ON DELETE SET NULL)."""
    await session.delete(deliverable)
    await session.flush()
