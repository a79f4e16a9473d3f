"""Organizations and their memberships."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from protocol.enums import MemberRole

from .models import Organization, OrganizationChannel, Profile, UserOrganization
from .pagination import fetch_page
from .scoped import insert_row


async def slug_taken(session: AsyncSession, slug: str) -> bool:
    return await session.scalar(select(func.count()).where(Organization.slug == slug)) != 0


async def slugs_like(session: AsyncSession, base: str) -> set[str]:
    rows = await session.scalars(
        select(Organization.slug).where(Organization.slug.like(f"{base}%"))
    )
    return set(rows)


async def all_organization_ids(session: AsyncSession) -> list[uuid.UUID]:
    """Every organization, for jobs that serve all of them one at a time."""
    return list(await session.scalars(select(Organization.id).order_by(Organization.id)))


async def get_organization(session: AsyncSession, org_id: uuid.UUID) -> Organization | None:
    return await session.get(Organization, org_id)


async def timezone_of(session: AsyncSession, org_id: uuid.UUID) -> str | None:
    """The organization's IANA time zone, None if it does not exist."""
    zone: str | None = await session.scalar(
        select(Organization.timezone).where(Organization.id == org_id)
    )
    return zone


async def add_member(
    session: AsyncSession, *, org_id: uuid.UUID, user_id: uuid.UUID, role: MemberRole
) -> UserOrganization:
    member = UserOrganization(organization_id=org_id, user_id=user_id, role=role.value)
    return await insert_row(session, member)


async def get_membership(
    session: AsyncSession, *, org_id: uuid.UUID, user_id: uuid.UUID, for_update: bool = False
) -> UserOrganization | None:
    stmt = select(UserOrganization).where(
        UserOrganization.organization_id == org_id, UserOrganization.user_id == user_id
    )
    if for_update:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def count_owners(session: AsyncSession, *, org_id: uuid.UUID) -> int:
    """Owners of the organization, rows locked (on PostgreSQL) so two concurrent
    demotions cannot both see a second owner."""
    rows = await session.scalars(
        select(UserOrganization.id)
        .where(
            UserOrganization.organization_id == org_id,
            UserOrganization.role == MemberRole.OWNER.value,
        )
        .with_for_update()
    )
    return len(list(rows))


async def list_members(
    session: AsyncSession, *, org_id: uuid.UUID, cursor: str | None, limit: int
) -> tuple[list[tuple[UserOrganization, Profile]], str | None]:
    stmt = (
        select(UserOrganization, Profile)
        .join(Profile, Profile.id == UserOrganization.user_id)
        .where(UserOrganization.organization_id == org_id)
    )
    columns = [UserOrganization.created_at, UserOrganization.id]
    return await fetch_page(session, stmt, columns, cursor, limit, tuples=True)


async def member_roles(session: AsyncSession, *, org_id: uuid.UUID) -> dict[uuid.UUID, str]:
    """Every member of the organization with their role, in one statement."""
    stmt = select(UserOrganization.user_id, UserOrganization.role).where(
        UserOrganization.organization_id == org_id
    )
    return {user_id: role for user_id, role in (await session.execute(stmt)).all()}


async def member_user_ids(session: AsyncSession, *, org_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await session.scalars(
        select(UserOrganization.user_id).where(UserOrganization.organization_id == org_id)
    )
    return list(rows)


async def list_user_organizations(
    session: AsyncSession, *, user_id: uuid.UUID, cursor: str | None = None, limit: int = 200
) -> tuple[list[tuple[Organization, str]], str | None]:
    """The organizations `user_id` belongs to, with the role held in each."""
    stmt = (
        select(Organization, UserOrganization.role)
        .join(UserOrganization, UserOrganization.organization_id == Organization.id)
        .where(UserOrganization.user_id == user_id)
    )
    columns = [Organization.created_at, Organization.id]
    return await fetch_page(session, stmt, columns, cursor, limit, tuples=True)


async def user_organization_ids(session: AsyncSession, *, user_id: uuid.UUID) -> list[uuid.UUID]:
    """The organizations `user_id` belongs to (on PostgreSQL the transaction must act as
    that user: server/policy.py `act_as`)."""
    rows = await session.scalars(
        select(UserOrganization.organization_id)
        .where(UserOrganization.user_id == user_id)
        .order_by(UserOrganization.organization_id)
    )
    return list(rows)


async def create_org_channel(
    session: AsyncSession, *, org_id: uuid.UUID, name: str, created_by: uuid.UUID
) -> OrganizationChannel:
    channel = OrganizationChannel(organization_id=org_id, name=name, created_by=created_by)
    return await insert_row(session, channel)
