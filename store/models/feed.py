"""Per-user notifications and the organization's activity log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from protocol.enums import NotificationChannel, NotificationType

from .base import Base, CreatedAt, OrgScoped, UUIDPk, fk, in_check


class Notification(UUIDPk, OrgScoped, CreatedAt, Base):
    """`(user_id, read_at)` serves both "a user's notifications" and "their unread ones"."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_id_read_at", "user_id", "read_at"),
        in_check("type", "type", NotificationType),
    )

    user_id: Mapped[uuid.UUID] = fk("profiles.id", "CASCADE")
    type: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    message: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(Text)
    # `metadata` is reserved by SQLAlchemy's declarative classes.
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    read_at: Mapped[datetime | None]


class NotificationPreference(Base):
    """A user's channel for one notification type, when not the default
    (protocol.notifications.DEFAULT_CHANNELS). The user's own, across organizations."""

    __tablename__ = "notification_preferences"
    # `type` is checked by the API (protocol.enums.NotificationType), not by a CHECK
    # that every new type would have to migrate.
    __table_args__ = (in_check("channel", "channel", NotificationChannel),)

    user_id: Mapped[uuid.UUID] = fk("profiles.id", "CASCADE", primary_key=True)
    type: Mapped[str] = mapped_column(Text, primary_key=True)
    channel: Mapped[str] = mapped_column(Text)


class ActivityLog(UUIDPk, OrgScoped, CreatedAt, Base):
    __tablename__ = "activity_logs"
    __table_args__ = (
        Index("ix_activity_logs_created_at", "created_at"),
        Index("ix_activity_logs_resource_type_resource_id", "resource_type", "resource_id"),
    )

    user_id: Mapped[uuid.UUID] = fk("profiles.id", "CASCADE", index=True)
    action: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    resource_type: Mapped[str | None] = mapped_column(Text)
    resource_id: Mapped[uuid.UUID | None]
    # `metadata` is reserved by SQLAlchemy's declarative classes.
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
