"""The audit trail every mutating service writes, in the same transaction as the change."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from .models import ActivityLog
from .scoped import Scoped

# The organization's log, newest first.
table = Scoped(ActivityLog, descending=True, by_project=False)


async def list_activity(
    session: AsyncSession, *, org_id: uuid.UUID, cursor: str | None, limit: int, **filters: Any
) -> tuple[list[ActivityLog], str | None]:
    """Newest first; each of `filters` (resource_type, resource_id, user_id) applies unless
    None."""
    return await table.page(session, org_id=org_id, cursor=cursor, limit=limit, filters=filters)
