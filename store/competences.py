"""The organization's skills catalogue (`competence`) and people's levels in them."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Competence, ProfileCompetence
from .scoped import Scoped

# By name. People's levels in a deleted skill go with it (ON DELETE CASCADE).
table = Scoped(Competence, (Competence.nom, str), by_project=False)


async def name_taken(
    session: AsyncSession, *, org_id: uuid.UUID, nom: str, exclude_id: uuid.UUID | None = None
) -> bool:
    """Whether another skill of the organization has this name, ignoring case."""
    return await table.taken(session, org_id, func.lower(Competence.nom) == nom.lower(), exclude_id)


async def get_skill(
    session: AsyncSession, *, org_id: uuid.UUID, profile_id: uuid.UUID, competence_id: uuid.UUID
) -> ProfileCompetence | None:
    """A person's level in a skill, locked until the transaction ends (and re-read)."""
    stmt = select(ProfileCompetence).where(
        ProfileCompetence.organization_id == org_id,
        ProfileCompetence.profile_id == profile_id,
        ProfileCompetence.competence_id == competence_id,
    )
    return await session.scalar(stmt.with_for_update().execution_options(populate_existing=True))
