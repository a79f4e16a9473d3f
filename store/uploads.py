"""Uploaded files' rows: created, claimed by a message, read with messages, purged."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .db import among
from .messages import Conversation, MessageRow
from .models import ChannelMessage, DirectMessage, Upload
from .scoped import Scoped, delete_where, insert_row

# The organization's uploads, addressed by id.
table = Scoped(Upload, by_project=False)


async def add(session: AsyncSession, **fields: Any) -> Upload:
    return await insert_row(session, Upload(**fields))


async def claimable(
    session: AsyncSession, *, org_id: uuid.UUID, uploader_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> list[Upload]:
    """Those of `ids` that are `uploader_id`'s own unattached uploads, locked."""
    mine = (Upload.uploader_id == uploader_id, Upload.id.in_(ids), Upload.attached_at.is_(None))
    return list(await session.scalars(table.where(org_id, None, *mine).with_for_update()))


def _message_column(row: MessageRow | type[MessageRow]) -> Any:
    model = row if isinstance(row, type) else type(row)
    return Upload.direct_message_id if model is DirectMessage else Upload.channel_message_id


async def attach(
    session: AsyncSession, uploads: list[Upload], row: MessageRow, at: datetime
) -> None:
    for upload in uploads:
        setattr(upload, _message_column(row).key, row.id)
        upload.attached_at = at
    await session.flush()


async def for_message_ids(
    session: AsyncSession, direct: bool, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Upload]]:
    """The attachments of messages of one table, in upload order. No ids, no statement."""
    found: dict[uuid.UUID, list[Upload]] = defaultdict(list)
    if not ids:
        return found
    column = _message_column(DirectMessage if direct else ChannelMessage)
    stmt = select(Upload).where(among(session, column, ids)).order_by(Upload.created_at, Upload.id)
    for upload in await session.scalars(stmt):
        found[getattr(upload, column.key)].append(upload)
    return found


def _keys(uploads: Sequence[Upload]) -> list[str]:
    return [k for u in uploads for k in (u.storage_key, u.thumbnail_key) if k]


async def remove_for_message(session: AsyncSession, row: MessageRow) -> list[str]:
    """Delete the message's attachments; their storage keys, to delete after commit."""
    column = _message_column(row)
    uploads = list(await session.scalars(select(Upload).where(column == row.id)))
    if uploads:
        await delete_where(session, Upload, Upload.id.in_([u.id for u in uploads]))
    return _keys(uploads)


async def keys_of_conversation(session: AsyncSession, conv: Conversation) -> list[str]:
    """Storage keys of every attachment in a conversation (its rows go with the messages)."""
    model = conv.model()
    column = _message_column(model)
    ids = select(model.id).where(*conv.where())
    return _keys(list(await session.scalars(select(Upload).where(column.in_(ids)))))


async def keys_of_organization(session: AsyncSession, org_id: uuid.UUID) -> list[str]:
    return _keys(list(await session.scalars(table.where(org_id, None))))


async def remove_unattached(
    session: AsyncSession, *, org_id: uuid.UUID, before: datetime, limit: int = 1000
) -> tuple[int, list[str]]:
    """Delete uploads never attached and made before `before`: how many, and their
    storage keys."""
    never = (Upload.attached_at.is_(None), Upload.created_at < before)
    stale = list(await session.scalars(table.where(org_id, None, *never).limit(limit)))
    if stale:
        await delete_where(session, Upload, Upload.id.in_([u.id for u in stale]))
    return len(stale), _keys(stale)
