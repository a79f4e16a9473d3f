"""Staffing (`affectation`): consultants on projects for a period at a share of their time."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Affectation
from .organizations import get_membership
from .pagination import page_stmt, split_page


async def lock_consultant(
    session: AsyncSession, *, org_id: uuid.UUID, profile_id: uuid.UUID
) -> bool:
    """Lock the consultant's membership row (PostgreSQL; SQLite writers are serial anyway)
    until the transaction ends, so allocation checks for one consultant run one at a time
    even when they have no assignment yet to lock. False when they are not a member."""
    member = await get_membership(session, org_id=org_id, user_id=profile_id, for_update=True)
    return member is not None


async def create_assignment(
    session: AsyncSession, *, org_id: uuid.UUID, project_id: uuid.UUID, fields: dict[str, Any]
) -> Affectation:
    assignment = Affectation(organization_id=org_id, projet_id=project_id, **fields)
    session.add(assignment)
    await session.flush()
    return assignment


async def get_assignment(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    project_id: uuid.UUID,
    assignment_id: uuid.UUID,
    for_update: bool = False,
) -> Affectation | None:
    """Only through its own project: an assignment named under another project is missing."""
    stmt = select(Affectation).where(
        Affectation.organization_id == org_id,
        Affectation.projet_id == project_id,
        Affectation.id == assignment_id,
    )
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(stmt)


async def list_assignments(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    project_id: uuid.UUID,
    cursor: str | None,
    limit: int,
    profile_id: uuid.UUID | None = None,
) -> tuple[list[Affectation], str | None]:
    """By start date, then id."""
    stmt = select(Affectation).where(
        Affectation.organization_id == org_id, Affectation.projet_id == project_id
    )
    if profile_id is not None:
        stmt = stmt.where(Affectation.profile_id == profile_id)
    columns = [Affectation.date_debut, Affectation.id]
    stmt = page_stmt(stmt, columns, [date, uuid.UUID], cursor, limit)
    rows = list(await session.scalars(stmt))
    return split_page(rows, limit, lambda a: (a.date_debut, a.id))


async def overlapping_assignments(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    profile_id: uuid.UUID,
    start: date,
    end: date | None,
    exclude_id: uuid.UUID | None = None,
) -> list[Affectation]:
    """The consultant's assignments, on every project of the organization, whose period
    shares at least one day with [start, end] (None: open-ended), rows locked."""
    stmt = select(Affectation).where(
        Affectation.organization_id == org_id,
        Affectation.profile_id == profile_id,
        or_(Affectation.date_fin.is_(None), Affectation.date_fin >= start),
    )
    if end is not None:
        stmt = stmt.where(Affectation.date_debut <= end)
    if exclude_id is not None:
        stmt = stmt.where(Affectation.id != exclude_id)
    stmt = stmt.order_by(Affectation.date_debut, Affectation.id).with_for_update()
    return list(await session.scalars(stmt))


async def update_assignment(
    session: AsyncSession, assignment: Affectation, values: dict[str, Any]
) -> Affectation:
    for key, value in values.items():
        setattr(assignment, key, value)
    await session.flush()
    return assignment


async def delete_assignment(session: AsyncSession, assignment: Affectation) -> None:
    await session.delete(assignment)
    await session.flush()


async def staffed_user_ids(
    session: AsyncSession, *, org_id: uuid.UUID, project_id: uuid.UUID
) -> list[uuid.UUID]:
    """Everyone with an `affectation` on the project, any period (as `is_staffed`)."""
    rows = await session.scalars(
        select(Affectation.profile_id)
        .where(Affectation.organization_id == org_id, Affectation.projet_id == project_id)
        .distinct()
    )
    return list(rows)
