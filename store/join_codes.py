"""Join codes: shareable codes that let anyone holding them join an organization."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from . import tenancy
from .models import JoinCode
from .pagination import page_stmt, split_page


async def create_join_code(session: AsyncSession, *, org_id: uuid.UUID, **fields: Any) -> JoinCode:
    code = JoinCode(organization_id=org_id, **fields)
    session.add(code)
    await session.flush()
    return code


async def list_join_codes(
    session: AsyncSession, *, org_id: uuid.UUID, cursor: str | None, limit: int
) -> tuple[list[JoinCode], str | None]:
    stmt = select(JoinCode).where(JoinCode.organization_id == org_id)
    columns = [JoinCode.created_at, JoinCode.id]
    stmt = page_stmt(stmt, columns, [datetime, uuid.UUID], cursor, limit)
    rows = list(await session.scalars(stmt))
    return split_page(rows, limit, lambda c: (c.created_at, c.id))


async def get_join_code(
    session: AsyncSession, *, org_id: uuid.UUID, code_id: uuid.UUID
) -> JoinCode | None:
    return await session.scalar(
        select(JoinCode).where(JoinCode.organization_id == org_id, JoinCode.id == code_id)
    )


async def find_join_code(session: AsyncSession, code: str) -> JoinCode | None:
    """Look a code up across organizations: the code itself is the credential, and on
    PostgreSQL presenting it is what lets the transaction see that one row (the caller
    enters the code's organization before touching anything else of it)."""
    await tenancy.present_join_code(session, code)
    return await session.scalar(select(JoinCode).where(JoinCode.code == code))


async def take_join_code_use(session: AsyncSession, code_id: uuid.UUID, now: datetime) -> bool:
    """Count one use, atomically: False when the code is spent or expired. A single
    conditional UPDATE, so two joins racing for the last use cannot both win."""
    result = await session.execute(
        update(JoinCode)
        .where(
            JoinCode.id == code_id,
            or_(JoinCode.max_uses.is_(None), JoinCode.uses < JoinCode.max_uses),
            or_(JoinCode.expires_at.is_(None), JoinCode.expires_at > now),
        )
        .values(uses=JoinCode.uses + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)
