"""Operational tables: bookkeeping the server needs, not part of the business data model."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import BigInteger, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, CreatedAt, JSONType, OrgScoped, UUIDPk, fk

IDEMPOTENCY_KEY_MAX = 200


class IdempotencyKey(UUIDPk, OrgScoped, CreatedAt, Base):
    """The first answer to a POST sent with an `Idempotency-Key` header.

    One row per (organization, user, route, key): the unique key is what makes two
    concurrent requests with the same key create one row, and so one resource. The row
    is inserted and answered in the transaction that creates the resource, so it exists
    exactly when that resource does (see server/services/idempotency.py).
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        UniqueConstraint("organization_id", "user_id", "route", "key"),
        # Expired keys are found (and pruned) by age.
        Index("ix_idempotency_keys_created_at", "created_at"),
    )

    user_id: Mapped[uuid.UUID] = fk("profiles.id", "CASCADE")
    key: Mapped[str] = mapped_column(String(IDEMPOTENCY_KEY_MAX))
    # Which operation the key belongs to ("POST /orgs/{org}/time-entries"): a key reused
    # on another route is another key.
    route: Mapped[str] = mapped_column(Text)
    # Digest of the parsed request body: the same key with another body is refused.
    request_hash: Mapped[str] = mapped_column(Text)
    # HTTP status and JSON body of the first answer (body null for a 204).
    status: Mapped[int]
    response_body: Mapped[Any] = mapped_column(JSONType, nullable=True)


class JobRound(Base):
    """The last round of a periodic job that some process claimed. A round is claimed by
    one upsert that moves `last_round` forward only: exactly one process wins it, in a
    single transaction, so the claim holds behind a transaction pooler and across
    clock skew (a session advisory lock would do neither)."""

    __tablename__ = "job_rounds"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_round: Mapped[int] = mapped_column(BigInteger)


class AlertState(UUIDPk, OrgScoped, Base):
    """What was last alerted about one subject (a project's health colour, a drift's
    severity, an invoice's lateness, a budget's threshold, a validator's digest day):
    an alert is sent only when the state computed now differs from the stored one, so a
    job run again the same day sends nothing twice (server/services/analytics/alerts.py)."""

    __tablename__ = "alert_states"
    __table_args__ = (UniqueConstraint("organization_id", "kind", "subject_id"),)

    # "health", "drift:COUT", "risk:BUDGET", "invoice_late", "budget", "time_pending".
    kind: Mapped[str] = mapped_column(Text)
    subject_id: Mapped[uuid.UUID]
    state: Mapped[str] = mapped_column(Text)
