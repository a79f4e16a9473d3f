"""Idempotency keys: the first answer to a POST, kept so that a retry gets it again."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .db import insert_ignore
from .models import IdempotencyKey
from .scoped import delete_where, update_where

# `status` of a key whose first answer is still being produced (never committed as such:
# the row is answered in the transaction that claims it).
IN_PROGRESS = 0


@dataclass(frozen=True)
class KeyRef:
    """What identifies a key: the same string is another key for another user,
    organization or route."""

    org_id: uuid.UUID
    user_id: uuid.UUID
    route: str
    key: str


async def claim_key(session: AsyncSession, ref: KeyRef, *, request_hash: str) -> uuid.UUID | None:
    """Insert the key's row unless it exists: its id when this transaction now owns the
    key, None when another already does. On PostgreSQL an insert of the same key by a
    concurrent transaction that has not ended makes this wait for it (the unique index),
    so a duplicate sees the winner's committed answer rather than a half-made one."""
    stmt = insert_ignore(
        session,
        IdempotencyKey,
        {
            "id": uuid.uuid4(),
            "organization_id": ref.org_id,
            "user_id": ref.user_id,
            "route": ref.route,
            "key": ref.key,
            "request_hash": request_hash,
            "status": IN_PROGRESS,
        },
    ).returning(IdempotencyKey.id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_key(session: AsyncSession, ref: KeyRef) -> IdempotencyKey | None:
    stmt = select(IdempotencyKey).where(
        IdempotencyKey.organization_id == ref.org_id,
        IdempotencyKey.user_id == ref.user_id,
        IdempotencyKey.route == ref.route,
        IdempotencyKey.key == ref.key,
    )
    return await session.scalar(stmt.execution_options(populate_existing=True))


async def record_answer(
    session: AsyncSession, *, org_id: uuid.UUID, key_id: uuid.UUID, status: int, body: Any
) -> None:
    key = (IdempotencyKey.organization_id == org_id, IdempotencyKey.id == key_id)
    await update_where(session, IdempotencyKey, *key, status=status, response_body=body)


async def delete_key(session: AsyncSession, *, org_id: uuid.UUID, key_id: uuid.UUID) -> None:
    key = (IdempotencyKey.organization_id == org_id, IdempotencyKey.id == key_id)
    await delete_where(session, IdempotencyKey, *key)


async def prune_keys(session: AsyncSession, *, org_id: uuid.UUID, older_than: datetime) -> int:
    """Forget the organization's keys created before `older_than`; for a periodic job,
    which handles one organization per transaction (on PostgreSQL a transaction sees one
    organization's rows only). The number removed."""
    old = (IdempotencyKey.organization_id == org_id, IdempotencyKey.created_at < older_than)
    return await delete_where(session, IdempotencyKey, *old)
