"""Who is owed a digest mail of unread notifications of the types they want mailed
(mentions and direct messages by default), and what it says.

Notifications are tenant rows: `candidates` runs in a transaction scoped to one
organization, `unread_since` in one acting as the user (their own notifications across
organizations, docs/tenancy-rls.md).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from protocol.enums import EmailNotifications, NotificationChannel
from protocol.notifications import DEFAULT_CHANNELS

from .models import Notification, Profile
from .notification_prefs import mailed
from .scoped import update_where

# The types mailed by default; each user may add or remove types
# (`/me/notification-preferences`, store/notification_prefs.py).
DIGEST_TYPES = tuple(
    t.value for t, channel in DEFAULT_CHANNELS.items() if channel is NotificationChannel.EMAIL
)


async def candidates(
    session: AsyncSession, org_id: uuid.UUID, *, created_before: datetime, seen_before: datetime
) -> list[uuid.UUID]:
    """Users of the organization with an unread mention or direct message older than
    `created_before` and newer than their last digest, last seen before `seen_before`,
    who did not turn the mail off."""
    mark = Profile.email_digest_at
    stmt = (
        select(Notification.user_id)
        .join(Profile, Profile.id == Notification.user_id)
        .where(
            Notification.organization_id == org_id,
            Notification.read_at.is_(None),
            mailed(DIGEST_TYPES),
            Notification.created_at <= created_before,
            or_(mark.is_(None), Notification.created_at > mark),
            Profile.email_notifications != EmailNotifications.OFF.value,
            or_(Profile.last_seen.is_(None), Profile.last_seen <= seen_before),
        )
        .distinct()
    )
    return list(await session.scalars(stmt))


async def unread_since(
    session: AsyncSession, user_id: uuid.UUID, since: datetime | None, limit: int
) -> tuple[list[Notification], int]:
    """The user's newest unread mentions and direct messages after `since`, and how many
    there are in all."""
    where = and_(
        Notification.user_id == user_id,
        Notification.read_at.is_(None),
        mailed(DIGEST_TYPES),
        Notification.created_at > since if since is not None else true(),
    )
    rows = await session.scalars(
        select(Notification).where(where).order_by(Notification.created_at.desc()).limit(limit)
    )
    total = await session.scalar(select(func.count()).select_from(Notification).where(where))
    return list(rows), int(total or 0)


async def claim(
    session: AsyncSession, user_id: uuid.UUID, previous: datetime | None, now: datetime
) -> bool:
    """Move the user's digest mark from `previous` to `now`, atomically: False when
    another process sent this digest first."""
    mark = Profile.email_digest_at
    changed = await update_where(
        session,
        Profile,
        Profile.id == user_id,
        mark.is_(None) if previous is None else mark == previous,
        email_digest_at=now,
    )
    return changed == 1


async def unsubscribe(session: AsyncSession, user_id: uuid.UUID) -> None:
    await update_where(
        session, Profile, Profile.id == user_id, email_notifications=EmailNotifications.OFF.value
    )
