"""How a message is shown: rendered for one viewer (a direct channel is named by the other
side), and broadcast to a channel's readers after commit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from protocol import chat as p
from protocol.files import Attachment
from store import messages as store
from store import uploads as upload_store
from store.messages import Conversation, MessageRow, conversation_of
from store.models import DirectMessage, Upload

from ..core import Tx
from ..resource import json_text
from .channels import Channel


def recipient(row: MessageRow) -> uuid.UUID | None:
    return row.recipient_id if isinstance(row, DirectMessage) else None


async def render(
    session: AsyncSession, rows: Sequence[MessageRow], viewer_id: uuid.UUID
) -> list[p.Message]:
    """Messages (of any conversations) as `viewer_id` sees them (a direct channel is named
    by the other side)."""
    reactions = await store.of_either_table(session, rows, store.reactions_of)
    files = await store.of_either_table(session, rows, upload_store.for_message_ids)
    return [
        _rendered(row, viewer_id, reactions.get(row.id, []), files.get(row.id, [])) for row in rows
    ]


async def render_json(
    session: AsyncSession, conv: Conversation, rows: Sequence[Any], viewer_id: uuid.UUID
) -> list[dict[str, Any]]:
    """A page of one conversation's messages (store.messages.history's rows) in the JSON
    form of `p.Message`, built without a model: a sync answers 500 of them, and building
    then dumping a model per message was most of its cost. Reactions and attachments are
    read only for the messages that have some."""
    reacted = [row.id for row in rows if row.has_reactions]
    with_files = [row.id for row in rows if row.has_files]
    reactions = await store.reactions_of(session, conv.direct, reacted)
    files = await upload_store.for_message_ids(session, conv.direct, with_files)
    return [
        message_json(row, conv, viewer_id, reactions.get(row.id, ()), files.get(row.id, ()))
        for row in rows
    ]


def attachment_json(upload: Upload) -> dict[str, Any]:
    return {
        "id": str(upload.id),
        "name": upload.name,
        "size": upload.size,
        "content_type": upload.content_type,
        "width": upload.width,
        "height": upload.height,
    }


def attachment_of(upload: Upload) -> Attachment:
    return Attachment.model_validate(attachment_json(upload))


def message_json(
    row: Any,
    conv: Conversation,
    viewer_id: uuid.UUID,
    reactions: Sequence[tuple[str, list[uuid.UUID]]] = (),
    files: Sequence[Upload] = (),
) -> dict[str, Any]:
    """`p.Message` in JSON form, from a message's row (a model or a plain row of `conv`);
    the one place a message's shape is built (tests/services compare it with the model)."""
    peer = row.recipient_id if conv.direct else None
    channel_id = conv.channel_id
    if peer is not None:
        channel_id = peer if viewer_id == row.sender_id else row.sender_id
    return {
        "id": str(row.id),
        "seq": row.seq,
        "channel": {"type": conv.type.value, "id": str(channel_id)},
        "organization_id": str(row.organization_id),
        "sender_id": str(row.sender_id),
        "recipient_id": json_text(peer),
        "content": "" if row.deleted_at else row.content,
        "parent_id": json_text(row.parent_id),
        "client_msg_id": row.client_msg_id,
        "reactions": [
            {"emoji": emoji, "count": len(ids), "user_ids": [str(i) for i in ids]}
            for emoji, ids in reactions
        ],
        "created_at": json_text(row.created_at),
        "edited_at": json_text(row.edited_at),
        "deleted": row.deleted_at is not None,
        "reply_count": row.reply_count,
        "last_reply_at": json_text(row.last_reply_at),
        "pinned": row.pinned_at is not None,
        "pinned_at": json_text(row.pinned_at),
        "pinned_by": json_text(row.pinned_by),
        "attachments": [attachment_json(upload) for upload in files],
    }


def _rendered(
    row: MessageRow,
    viewer_id: uuid.UUID,
    reactions: list[tuple[str, list[uuid.UUID]]],
    files: Sequence[Upload] = (),
) -> p.Message:
    fields = message_json(row, conversation_of(row), viewer_id, reactions, files)
    return p.Message.model_validate(fields)


async def broadcast(
    tx: Tx,
    channel: Channel,
    event: str,
    row: MessageRow,
    skip_sid: str | None = None,
    *,
    new: bool = False,
    files: Sequence[Upload] = (),
) -> p.Message:
    """Queue `event` with the message for every reader; returns the sender's view. A
    `new` message has no reactions yet and carries `files`: nothing is read to render it."""

    async def view(viewer: uuid.UUID) -> p.Message:
        if new:
            return _rendered(row, viewer, [], files)
        return (await render(tx.session, [row], viewer))[0]

    mine = await view(channel.member.user_id)
    tx.emit(event, mine, channel.rooms[0], skip_sid)
    if channel.peer_id is not None:
        tx.emit(event, await view(channel.peer_id), channel.rooms[1])
    return mine
