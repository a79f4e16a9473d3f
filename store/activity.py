"""The audit trail every mutating service writes, in the same transaction as the change."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import ActivityLog
from .pagination import page_stmt, split_page


async def log_activity(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    user_id: uuid.UUID,
    action: str,
    resource_type: str,
    resource_id: uuid.UUID | None,
    description: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> ActivityLog:
    entry = ActivityLog(
        organization_id=org_id,
        user_id=user_id,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        description=description,
        metadata_=metadata or {},
    )
    session.add(entry)
    await session.flush()
    return entry


async def list_activity(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    cursor: str | None,
    limit: int,
    resource_type: str | None = None,
    resource_id: uuid.UUID | None = None,
    user_id: uuid.UUID | None = None,
) -> tuple[list[ActivityLog], str | None]:
    """Newest first."""
    stmt = select(ActivityLog).where(ActivityLog.organization_id == org_id)
    if resource_type is not None:
        stmt = stmt.where(ActivityLog.resource_type == resource_type)
    if resource_id is not None:
        stmt = stmt.where(ActivityLog.resource_id == resource_id)
    if user_id is not None:
        stmt = stmt.where(ActivityLog.user_id == user_id)
    columns = [ActivityLog.created_at, ActivityLog.id]
    stmt = page_stmt(stmt, columns, [datetime, uuid.UUID], cursor, limit, descending=True)
    rows = list(await session.scalars(stmt))
    return split_page(rows, limit, lambda a: (a.created_at, a.id))
