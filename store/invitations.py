"""Email invitations to an organization; the accept token is stored only as a hash."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from . import tenancy
from .models import OrganizationInvitation
from .scoped import Scoped, set_once

# An organization's invitations, oldest first.
table = Scoped(OrganizationInvitation, by_project=False)


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
    return await set_once(session, OrganizationInvitation, invitation_id, "accepted_at", now)
