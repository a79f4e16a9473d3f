"""A user's notifications. They are addressed to a user and belong to an organization;
the user reads their own across organizations."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Notification
from .pagination import fetch_page
from .scoped import insert_row, update_where


async def add_notification(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    user_id: uuid.UUID,
    type: str,
    title: str,
    message: str | None = None,
    link: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> Notification:
    row = Notification(
        organization_id=org_id,
        user_id=user_id,
        type=type,
        title=title,
        message=message,
        link=link,
        metadata_=metadata or {},
    )
    return await insert_row(session, row)


def _mine(user_id: uuid.UUID, org_id: uuid.UUID | None, unread: bool = True) -> list[Any]:
    """The user's notifications (of `org_id` only, unless None); with `unread`, unread."""
    where = [Notification.user_id == user_id]
    if org_id is not None:
        where.append(Notification.organization_id == org_id)
    return [*where, Notification.read_at.is_(None)] if unread else where


async def list_notifications(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    org_id: uuid.UUID | None,
    unread_only: bool,
    cursor: str | None,
    limit: int,
) -> tuple[list[Notification], str | None]:
    """Newest first."""
    stmt = select(Notification).where(*_mine(user_id, org_id, unread_only))
    columns = [Notification.created_at, Notification.id]
    return await fetch_page(session, stmt, columns, cursor, limit, descending=True)


async def count_unread(
    session: AsyncSession, *, user_id: uuid.UUID, org_id: uuid.UUID | None = None
) -> int:
    """Served by the (user_id, read_at) index."""
    stmt = select(func.count()).where(*_mine(user_id, org_id))
    return int(await session.scalar(stmt) or 0)


async def mark_read(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    ids: list[uuid.UUID] | None,
    now: datetime,
    org_id: uuid.UUID | None = None,
    type: str | None = None,
) -> list[uuid.UUID]:
    """Mark the user's unread notifications read (`ids=None`: all of them, or all of one
    organization and `type`); returns the ids that changed. Other users' ids are ignored,
    never an error that would leak them."""
    stmt = select(Notification.id).where(*_mine(user_id, org_id))
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(ids))
    if type is not None:
        stmt = stmt.where(Notification.type == type)
    changed = list(await session.scalars(stmt))
    if changed:
        await update_where(
            session,
            Notification,
            Notification.id.in_(changed),
            Notification.read_at.is_(None),
            read_at=now,
        )
    return changed
