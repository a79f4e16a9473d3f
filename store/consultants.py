"""Consultants' employment details and the skills the staffing search reads."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from protocol.enums import MemberRole

from .models import Competence, ConsultantDetails, Profile, ProfileCompetence, UserOrganization
from .pagination import fetch_page
from .scoped import Scoped

# Addressed by the person's profile id (one row of details per member).
details = Scoped(ConsultantDetails, by_project=False, key=ConsultantDetails.profile_id)


def details_of(org_id: uuid.UUID, profile_id: Any) -> ColumnElement[bool]:
    """Where a person's details in the organization are: to join them to rows naming
    that person in `profile_id` (a column)."""
    return and_(
        ConsultantDetails.profile_id == profile_id, ConsultantDetails.organization_id == org_id
    )


async def list_details(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    cursor: str | None,
    limit: int,
    statut: str | None = None,
) -> tuple[list[tuple[ConsultantDetails, Profile]], str | None]:
    """Oldest first: the details with their person."""
    stmt = (
        select(ConsultantDetails, Profile)
        .join(Profile, Profile.id == ConsultantDetails.profile_id)
        .where(ConsultantDetails.organization_id == org_id)
    )
    if statut is not None:
        stmt = stmt.where(ConsultantDetails.statut == statut)
    columns = [ConsultantDetails.created_at, ConsultantDetails.id]
    return await fetch_page(session, stmt, columns, cursor, limit, tuples=True)


async def skills_of(
    session: AsyncSession, *, org_id: uuid.UUID, profile_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[ProfileCompetence, Competence]]]:
    """Each person's skills in the organization, by skill name."""
    found: dict[uuid.UUID, list[tuple[ProfileCompetence, Competence]]] = {
        p: [] for p in profile_ids
    }
    if not profile_ids:
        return found
    stmt = (
        select(ProfileCompetence, Competence)
        .join(Competence, Competence.id == ProfileCompetence.competence_id)
        .where(
            ProfileCompetence.organization_id == org_id,
            ProfileCompetence.profile_id.in_(profile_ids),
        )
        .order_by(Competence.nom, Competence.id)
    )
    for skill, competence in (await session.execute(stmt)).all():
        found[skill.profile_id].append((skill, competence))
    return found


async def skilled_members(
    session: AsyncSession, *, org_id: uuid.UUID, competence_id: uuid.UUID, min_niveau: int
) -> list[tuple[ProfileCompetence, Profile, ConsultantDetails | None]]:
    """Current members (not CLIENT contacts) with the skill at `min_niveau` or above,
    with their consultant details when they have some."""
    stmt = (
        select(ProfileCompetence, Profile, ConsultantDetails)
        .join(Profile, Profile.id == ProfileCompetence.profile_id)
        .join(
            UserOrganization,
            (UserOrganization.user_id == ProfileCompetence.profile_id)
            & (UserOrganization.organization_id == org_id),
        )
        .outerjoin(ConsultantDetails, details_of(org_id, ProfileCompetence.profile_id))
        .where(
            ProfileCompetence.organization_id == org_id,
            ProfileCompetence.competence_id == competence_id,
            ProfileCompetence.niveau >= min_niveau,
            UserOrganization.role != MemberRole.CLIENT.value,
        )
    )
    return [(s, p, d) for s, p, d in (await session.execute(stmt)).all()]
