"""Staffing (`affectation`): consultants on projects for a period at a share of their time."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Affectation
from .organizations import get_membership
from .scoped import Scoped

# By start date, then id.
table = Scoped(Affectation, (Affectation.date_debut, date))


async def lock_consultant(
    session: AsyncSession, *, org_id: uuid.UUID, profile_id: uuid.UUID
) -> bool:
    """Lock the consultant's membership row (PostgreSQL; SQLite writers are serial anyway)
    until the transaction ends, so allocation checks for one consultant run one at a time
    even when they have no assignment yet to lock. False when they are not a member."""
    member = await get_membership(session, org_id=org_id, user_id=profile_id, for_update=True)
    return member is not None


async def overlapping_assignments(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    profile_ids: Sequence[uuid.UUID],
    start: date,
    end: date | None,
    exclude_id: uuid.UUID | None = None,
    lock: bool = False,
) -> list[Affectation]:
    """The people's assignments, on every project of the organization, whose period
    shares at least one day with [start, end] (None: open-ended); with `lock`, the rows
    stay locked until the transaction ends."""
    if not profile_ids:
        return []
    stmt = select(Affectation).where(
        Affectation.organization_id == org_id,
        Affectation.profile_id.in_(profile_ids),
        or_(Affectation.date_fin.is_(None), Affectation.date_fin >= start),
    )
    if end is not None:
        stmt = stmt.where(Affectation.date_debut <= end)
    if exclude_id is not None:
        stmt = stmt.where(Affectation.id != exclude_id)
    stmt = stmt.order_by(Affectation.date_debut, Affectation.id)
    return list(await session.scalars(stmt.with_for_update() if lock else stmt))


async def staffed_user_ids(
    session: AsyncSession, *, org_id: uuid.UUID, project_id: uuid.UUID
) -> list[uuid.UUID]:
    """Everyone with an `affectation` on the project, any period (as `is_staffed`)."""
    stmt = table.where(org_id, project_id).with_only_columns(Affectation.profile_id)
    return list(await session.scalars(stmt.distinct()))
