"""A user's notification channels by type (`notification_preferences`): only the
choices that differ from the default are stored."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping

from sqlalchemy import ColumnElement, and_, delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from protocol.enums import NotificationChannel, NotificationType
from protocol.notifications import DEFAULT_CHANNELS

from .models import Notification, NotificationPreference

Pref = NotificationPreference


async def chosen(session: AsyncSession, user_id: uuid.UUID) -> dict[str, str]:
    """The user's stored choices, type -> channel."""
    rows = await session.execute(select(Pref.type, Pref.channel).where(Pref.user_id == user_id))
    return {type_: channel for type_, channel in rows}


async def channel_of(
    session: AsyncSession, user_id: uuid.UUID, type: NotificationType
) -> NotificationChannel:
    """The user's channel for `type`: their choice, else the default."""
    stored = await session.scalar(
        select(Pref.channel).where(Pref.user_id == user_id, Pref.type == type.value)
    )
    return NotificationChannel(stored) if stored else DEFAULT_CHANNELS[type]


async def choose(
    session: AsyncSession,
    user_id: uuid.UUID,
    channels: Mapping[NotificationType, NotificationChannel],
) -> None:
    """Set the channel of each type given; one set back to its default is not stored."""
    if not channels:
        return
    await session.execute(
        delete(Pref).where(Pref.user_id == user_id, Pref.type.in_([t.value for t in channels]))
    )
    for type_, channel in channels.items():
        if channel is not DEFAULT_CHANNELS[type_]:
            session.add(Pref(user_id=user_id, type=type_.value, channel=channel.value))
    await session.flush()


def _choice(channel: NotificationChannel) -> ColumnElement[bool]:
    return exists().where(
        Pref.user_id == Notification.user_id,
        Pref.type == Notification.type,
        Pref.channel == channel.value,
    )


def mailed(default_email: Iterable[str]) -> ColumnElement[bool]:
    """Whether a notification row goes in its user's mail digest: its type is one they
    chose `email` for, or one mailed by default (`default_email`) that they did not set
    to another channel."""
    chose_other = exists().where(
        Pref.user_id == Notification.user_id,
        Pref.type == Notification.type,
        Pref.channel != NotificationChannel.EMAIL.value,
    )
    return or_(
        _choice(NotificationChannel.EMAIL),
        and_(Notification.type.in_(list(default_email)), ~chose_other),
    )
