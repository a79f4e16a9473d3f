"""Uploaded files: stored by a storage backend (server/storage.py) under `storage_key`,
attached to at most one message of either message table."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, CreatedAt, OrgScoped, UUIDPk, fk


class Upload(UUIDPk, OrgScoped, CreatedAt, Base):
    """A file as uploaded; `channel_message_id` / `direct_message_id` once a message
    carries it (the row goes with the message). Unattached rows are purged after a day."""

    __tablename__ = "uploads"
    __table_args__ = (
        CheckConstraint(
            "channel_message_id IS NULL OR direct_message_id IS NULL", name="one_message"
        ),
        CheckConstraint("size >= 0", name="size_non_negative"),
        # The purge of unattached uploads: oldest first.
        Index("ix_uploads_unattached", "attached_at", "created_at"),
    )

    uploader_id: Mapped[uuid.UUID] = fk("profiles.id", "CASCADE", index=True)
    name: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(Text)
    storage_key: Mapped[str] = mapped_column(Text, unique=True)
    width: Mapped[int | None]
    height: Mapped[int | None]
    thumbnail_key: Mapped[str | None] = mapped_column(Text)
    channel_message_id: Mapped[uuid.UUID | None] = fk("channel_messages.id", "CASCADE", index=True)
    direct_message_id: Mapped[uuid.UUID | None] = fk("direct_messages.id", "CASCADE", index=True)
    attached_at: Mapped[datetime | None]
