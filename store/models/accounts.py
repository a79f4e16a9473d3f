"""Account mail: single-use tokens sent to a user, and the durable outbox of mails."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from protocol.enums import AccountTokenPurpose

from .base import Base, CreatedAt, JSONType, UUIDPk, fk, in_check


class AccountToken(UUIDPk, CreatedAt, Base):
    """A mailed single-use token (email verification, password reset), stored only as its
    SHA-256. `email` is the address it was sent to: verifying proves that address, and a
    token sent before the account's address changed proves nothing."""

    __tablename__ = "account_tokens"
    __table_args__ = (in_check("purpose", "purpose", AccountTokenPurpose),)

    user_id: Mapped[uuid.UUID] = fk("users.id", "CASCADE", index=True)
    purpose: Mapped[str] = mapped_column(Text)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class OutboxMail(UUIDPk, CreatedAt, Base):
    """A mail waiting to leave, written in the transaction that decided to send it.

    Rendered when queued (subject and both bodies), so that sending needs no other table.
    A worker claims due rows by pushing `next_attempt_at` one lease ahead, sends, then
    deletes the row (its links carry tokens: nothing is kept once delivered) or schedules
    the next attempt; after the last attempt `failed_at` is set and the row stays for
    the operator.
    """

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_due", "failed_at", "next_attempt_at"),)

    to_address: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    # Extra headers (List-Unsubscribe ...), name -> value.
    headers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # What the mail is (verify_email, invitation ...): logs and operators only.
    kind: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    failed_at: Mapped[datetime | None]
