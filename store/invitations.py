"""Email invitations to an organization; the accept token is stored only as a hash."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from . import tenancy
from .models import OrganizationInvitation
from .pagination import page_stmt, split_page


async def create_invitation(
    session: AsyncSession, *, org_id: uuid.UUID, **fields: Any
) -> OrganizationInvitation:
    invitation = OrganizationInvitation(organization_id=org_id, **fields)
    session.add(invitation)
    await session.flush()
    return invitation


async def list_invitations(
    session: AsyncSession, *, org_id: uuid.UUID, cursor: str | None, limit: int
) -> tuple[list[OrganizationInvitation], str | None]:
    stmt = select(OrganizationInvitation).where(OrganizationInvitation.organization_id == org_id)
    columns = [OrganizationInvitation.created_at, OrganizationInvitation.id]
    stmt = page_stmt(stmt, columns, [datetime, uuid.UUID], cursor, limit)
    rows = list(await session.scalars(stmt))
    return split_page(rows, limit, lambda i: (i.created_at, i.id))


async def find_invitation(session: AsyncSession, token_hash: str) -> OrganizationInvitation | None:
    """Look an invitation up by its token across organizations: the token is the
    credential, and on PostgreSQL presenting it is what lets the transaction see that
    one row."""
    await tenancy.present_invitation(session, token_hash)
    return await session.scalar(
        select(OrganizationInvitation).where(OrganizationInvitation.token_hash == token_hash)
    )


async def mark_accepted(session: AsyncSession, invitation_id: uuid.UUID, now: datetime) -> bool:
    """Single use, atomically: False when someone accepted it first."""
    result = await session.execute(
        update(OrganizationInvitation)
        .where(
            OrganizationInvitation.id == invitation_id,
            OrganizationInvitation.accepted_at.is_(None),
        )
        .values(accepted_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def get_invitation(
    session: AsyncSession, org_id: uuid.UUID, invitation_id: uuid.UUID
) -> OrganizationInvitation | None:
    return await session.scalar(
        select(OrganizationInvitation).where(
            OrganizationInvitation.organization_id == org_id,
            OrganizationInvitation.id == invitation_id,
        )
    )


async def delete_invitation(
    session: AsyncSession, org_id: uuid.UUID, invitation_id: uuid.UUID
) -> None:
    await session.execute(
        delete(OrganizationInvitation).where(
            OrganizationInvitation.organization_id == org_id,
            OrganizationInvitation.id == invitation_id,
        )
    )
