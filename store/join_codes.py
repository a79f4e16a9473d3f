"""Join codes: shareable codes that let anyone holding them join an organization."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from . import tenancy
from .models import JoinCode
from .scoped import Scoped, update_where

# An organization's codes, oldest first.
table = Scoped(JoinCode, by_project=False)


async def find_join_code(session: AsyncSession, code: str) -> JoinCode | None:
    """Look a code up across organizations: the code itself is the credential, and on
    PostgreSQL presenting it is what lets the transaction see that one row (the caller
    enters the code's organization before touching anything else of it)."""
    await tenancy.present_join_code(session, code)
    return await session.scalar(select(JoinCode).where(JoinCode.code == code))


async def take_join_code_use(session: AsyncSession, code_id: uuid.UUID, now: datetime) -> bool:
    """Count one use, atomically: False when the code is spent or expired. A single
    conditional UPDATE, so two joins racing for the last use cannot both win."""
    uses_left = or_(JoinCode.max_uses.is_(None), JoinCode.uses < JoinCode.max_uses)
    unexpired = or_(JoinCode.expires_at.is_(None), JoinCode.expires_at > now)
    where = (JoinCode.id == code_id, uses_left, unexpired)
    return await update_where(session, JoinCode, *where, uses=JoinCode.uses + 1) == 1
