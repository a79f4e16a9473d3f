"""How a message is shown: rendered for one viewer (a direct channel is named by the other
side), and broadcast to a channel's readers after commit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from protocol import chat as p
from protocol.files import Attachment
from store import messages as store
from store import uploads as upload_store
from store.messages import MessageRow, conversation_of
from store.models import DirectMessage, Upload

from ..core import Tx
from .channels import Channel


def recipient(row: MessageRow) -> uuid.UUID | None:
    return row.recipient_id if isinstance(row, DirectMessage) else None


async def render(
    session: AsyncSession, rows: Sequence[MessageRow], viewer_id: uuid.UUID
) -> list[p.Message]:
    """Messages as `viewer_id` sees them (a direct channel is named by the other side)."""
    reactions = await store.reactions_for(session, rows)
    files = await upload_store.for_messages(session, rows)
    return [
        _rendered(row, viewer_id, reactions.get(row.id, []), files.get(row.id, [])) for row in rows
    ]


def attachment_of(upload: Upload) -> Attachment:
    return Attachment(
        id=upload.id,
        name=upload.name,
        size=upload.size,
        content_type=upload.content_type,
        width=upload.width,
        height=upload.height,
    )


def _rendered(
    row: MessageRow,
    viewer_id: uuid.UUID,
    reactions: list[tuple[str, list[uuid.UUID]]],
    files: Sequence[Upload] = (),
) -> p.Message:
    conv = conversation_of(row)
    peer = recipient(row)
    channel_id = conv.channel_id
    if peer is not None:
        channel_id = peer if viewer_id == row.sender_id else row.sender_id
    return p.Message(
        id=row.id,
        seq=row.seq,
        channel=p.ChannelKey(type=conv.type, id=channel_id),
        organization_id=row.organization_id,
        sender_id=row.sender_id,
        recipient_id=peer,
        content="" if row.deleted_at else row.content,
        parent_id=row.parent_id,
        client_msg_id=row.client_msg_id,
        reactions=[p.Reaction(emoji=e, count=len(ids), user_ids=ids) for e, ids in reactions],
        created_at=row.created_at,
        edited_at=row.edited_at,
        deleted=row.deleted_at is not None,
        reply_count=row.reply_count,
        last_reply_at=row.last_reply_at,
        pinned=row.pinned_at is not None,
        pinned_at=row.pinned_at,
        pinned_by=row.pinned_by,
        attachments=[attachment_of(upload) for upload in files],
    )


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
    if channel.peer_id is None:
        tx.emit(event, mine, channel.rooms[0], skip_sid)
        return mine
    theirs = await view(channel.peer_id)
    own_room, peer_room = channel.rooms
    tx.emit(event, mine, own_room, skip_sid)
    tx.emit(event, theirs, peer_room)
    return mine
