"""The mail outbox: queue in the caller's transaction, claim due mails, settle them.

Claiming is a lease, not a lock held while sending: one short transaction picks due rows
(`FOR UPDATE SKIP LOCKED` on PostgreSQL, so concurrent workers of several processes take
disjoint rows; SQLite's `BEGIN IMMEDIATE` already serializes writers) and moves their
`next_attempt_at` one lease ahead. A worker that dies mid-send lets the lease expire and
another one retries: a mail may exceptionally leave twice, never zero times. Nothing is
session-scoped (no advisory lock, no SET), so this works behind PgBouncer in transaction
mode.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import OutboxMail
from .scoped import insert_row, update_where


async def queue_mail(session: AsyncSession, *, now: datetime, **fields: Any) -> OutboxMail:
    """A mail due `now`: its `to_address`, `subject`, `text_body`, `html_body`, `kind` and
    `headers`."""
    return await insert_row(session, OutboxMail(next_attempt_at=now, **fields))


async def claim_due(
    session: AsyncSession, *, now: datetime, lease: timedelta, limit: int
) -> list[OutboxMail]:
    """Due mails, leased to the caller until `now + lease` and counted as one attempt."""
    stmt = (
        select(OutboxMail)
        .where(OutboxMail.failed_at.is_(None), OutboxMail.next_attempt_at <= now)
        .order_by(OutboxMail.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list(await session.scalars(stmt))
    for mail in rows:
        mail.next_attempt_at = now + lease
        mail.attempts += 1
    await session.flush()
    return rows


async def delivered(session: AsyncSession, mail_id: uuid.UUID) -> None:
    """Gone once sent: its links carry tokens that should not outlive their purpose."""
    await session.execute(delete(OutboxMail).where(OutboxMail.id == mail_id))


async def failed_attempt(
    session: AsyncSession,
    mail_id: uuid.UUID,
    *,
    error: str,
    retry_at: datetime | None,
    now: datetime,
) -> None:
    """Schedule the next attempt, or give up (`retry_at` None) and keep the row."""
    values: dict[str, Any] = {"last_error": error[:1000]}
    if retry_at is None:
        values["failed_at"] = now
    else:
        values["next_attempt_at"] = retry_at
    await update_where(session, OutboxMail, OutboxMail.id == mail_id, **values)


async def pending(session: AsyncSession) -> list[OutboxMail]:
    """Every mail not yet sent nor given up (operators, tests)."""
    stmt = select(OutboxMail).where(OutboxMail.failed_at.is_(None)).order_by(OutboxMail.created_at)
    return list(await session.scalars(stmt))
