"""Threads and pins. A reply is a message of the channel whose `parent_id` names its
root; the root keeps `reply_count` and `last_reply_at`. A pinned message has `pinned_at`
and `pinned_by` set."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .messages import Conversation, MessageRow
from .scoped import update_where


async def find(
    session: AsyncSession, conv: Conversation, message_id: uuid.UUID
) -> MessageRow | None:
    """A message of the conversation by id."""
    model = conv.model()
    row: MessageRow | None = await session.scalar(
        select(model).where(*conv.where(), model.id == message_id)
    )
    return row


async def record_reply(
    session: AsyncSession, conv: Conversation, root: MessageRow, at: datetime
) -> None:
    """Count one more reply on `root` in one statement (concurrent replies each count),
    and read the root's new state back. `updated_at` moves, so `sync` reports it."""
    model = conv.model()
    await update_where(
        session,
        model,
        *conv.where(),
        model.id == root.id,
        reply_count=model.reply_count + 1,
        last_reply_at=at,
        updated_at=at,
    )
    await session.refresh(root)


async def replies(
    session: AsyncSession,
    conv: Conversation,
    root_id: uuid.UUID,
    *,
    before_seq: int | None,
    limit: int,
) -> tuple[list[MessageRow], bool]:
    """The newest `limit` replies before `before_seq`, ascending, and whether older ones
    remain (through the `parent_id` index)."""
    model = conv.model()
    stmt = select(model).where(*conv.where(), model.parent_id == root_id)
    if before_seq is not None:
        stmt = stmt.where(model.seq < before_seq)
    rows: list[MessageRow] = list(
        await session.scalars(stmt.order_by(model.seq.desc()).limit(limit + 1))
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    rows.reverse()
    return rows, has_more


async def participants(
    session: AsyncSession, conv: Conversation, root_id: uuid.UUID
) -> set[uuid.UUID]:
    """Everyone who replied in the thread."""
    model = conv.model()
    rows = await session.scalars(
        select(model.sender_id).where(*conv.where(), model.parent_id == root_id).distinct()
    )
    return set(rows)


async def set_pinned(
    session: AsyncSession, row: MessageRow, by: uuid.UUID | None, at: datetime
) -> bool:
    """Pin (`by` set) or unpin the message; False when it already was so. `updated_at`
    moves, so `sync` reports the change."""
    if (row.pinned_at is not None) == (by is not None):
        return False
    row.pinned_at = at if by is not None else None
    row.pinned_by = by
    row.updated_at = at
    await session.flush()
    return True


async def pins(session: AsyncSession, conv: Conversation, limit: int) -> list[MessageRow]:
    """The conversation's pinned messages, the latest pinned first."""
    model = conv.model()
    stmt = (
        select(model)
        .where(*conv.where(), model.pinned_at.is_not(None))
        .order_by(model.pinned_at.desc(), model.seq.desc())
        .limit(limit)
    )
    return list(await session.scalars(stmt))
