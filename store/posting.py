"""Storing a new message: its seq, its row and the sender's read pointer.

On PostgreSQL one statement does all three (data-modifying CTEs): the sequence upsert
takes the next seq and the channel's row lock, the INSERT uses it (and does nothing when
the sender already used the `client_msg_id`), and the read pointer moves to it. SQLite
runs the same three steps as three statements. Sending is the hottest write path: every
round trip saved there is a context switch less per message.
"""

from __future__ import annotations

import functools
import uuid
from typing import Any

from sqlalchemy import bindparam, func, insert, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from protocol.enums import ChannelType

from .channels import raise_read_seq
from .db import insert_ignore, is_sqlite
from .messages import Conversation, MessageRow, give_back_seq, take_seqs
from .models import ChannelMessage, ChannelReadState, ChannelSequence, DirectMessage
from .models.base import utcnow


def _new_row(
    conv: Conversation,
    *,
    sender_id: uuid.UUID,
    content: str,
    client_msg_id: str | None,
    parent_id: uuid.UUID | None,
    recipient_id: uuid.UUID | None,
) -> MessageRow:
    """The message with every column set (seq aside), timestamps included: nothing needs
    to be read back after the INSERT. Not attached to any session."""
    now = utcnow()
    common: dict[str, Any] = {
        "id": uuid.uuid4(),
        "organization_id": conv.org_id,
        "sender_id": sender_id,
        "content": content,
        "client_msg_id": client_msg_id,
        "parent_id": parent_id,
        "created_at": now,
        "updated_at": now,
        "edited_at": None,
        "deleted_at": None,
        "reply_count": 0,
        "last_reply_at": None,
        "pinned_at": None,
        "pinned_by": None,
    }
    if conv.direct:
        assert recipient_id is not None
        return DirectMessage(
            conversation_id=conv.channel_id, recipient_id=recipient_id, read_at=None, **common
        )
    return ChannelMessage(channel_type=conv.type.value, channel_id=conv.channel_id, **common)


def _values(row: MessageRow) -> dict[str, Any]:
    return {c.name: getattr(row, c.key) for c in type(row).__table__.columns if c.name != "seq"}


def _retry_key(kind: ChannelType | None) -> list[Any]:
    """The unique key a retried send collides on (in a direct conversation, or not)."""
    if kind is ChannelType.DIRECT:
        return [DirectMessage.conversation_id, DirectMessage.sender_id, DirectMessage.client_msg_id]
    return [
        ChannelMessage.channel_type,
        ChannelMessage.channel_id,
        ChannelMessage.sender_id,
        ChannelMessage.client_msg_id,
    ]


async def post(
    session: AsyncSession,
    conv: Conversation,
    *,
    sender_id: uuid.UUID,
    content: str,
    client_msg_id: str | None,
    parent_id: uuid.UUID | None,
    recipient_id: uuid.UUID | None = None,
) -> MessageRow | None:
    """Store a new message under the channel's next seq and move the sender's read
    pointer to it; None when the sender already used `client_msg_id` here (nothing is
    written then, and the seq is not used up)."""
    row = _new_row(
        conv,
        sender_id=sender_id,
        content=content,
        client_msg_id=client_msg_id,
        parent_id=parent_id,
        recipient_id=recipient_id,
    )
    if is_sqlite(session):
        stored = await _post_in_steps(session, conv, row)
    else:
        stored = await _post_in_one(session, conv, row)
    return row if stored else None


async def _post_in_steps(session: AsyncSession, conv: Conversation, row: MessageRow) -> bool:
    row.seq = await take_seqs(session, conv)
    values = {**_values(row), "seq": row.seq}
    model = type(row)
    if row.client_msg_id is None:
        await session.execute(insert(model).values(**values))
    else:
        stmt = insert_ignore(session, model, values, conflict=_retry_key(conv.type))
        if getattr(await session.execute(stmt), "rowcount", 0) != 1:
            await give_back_seq(session, conv, row.seq)
            return False
    await raise_read_seq(session, conv, row.sender_id, row.seq)
    return True


async def _post_in_one(session: AsyncSession, conv: Conversation, row: MessageRow) -> bool:
    params = {
        **_values(row),
        "seq_channel_type": conv.type.value,
        "seq_channel_id": conv.channel_id,
    }
    conn = await session.connection()  # Core: no ORM compile path for plain columns
    seq, count = (await conn.execute(_one_statement(type(row)), params)).one()
    row.seq = int(seq)
    if count == 1:
        return True
    await give_back_seq(session, conv, row.seq)
    return False


@functools.cache
def _one_statement(model: type[MessageRow]) -> Any:
    """The PostgreSQL statement of `post` for one message table, built once: its values
    are bound parameters named after the message's columns (plus the sequence's key), so
    building it and its cache key cost nothing per message."""
    columns = model.__table__.columns
    values = {c.name: bindparam(c.name, type_=c.type) for c in columns if c.name != "seq"}
    org_id, sender_id = values["organization_id"], values["sender_id"]
    created_at = values["created_at"]
    kind = bindparam("seq_channel_type", type_=ChannelSequence.channel_type.type)
    channel_id = bindparam("seq_channel_id", type_=ChannelSequence.channel_id.type)
    sequence = pg_insert(ChannelSequence)
    taken = (
        sequence.from_select(
            ["organization_id", "channel_type", "channel_id", "last_seq"],
            select(org_id, kind, channel_id, literal(1)),
        )
        .on_conflict_do_update(
            index_elements=[ChannelSequence.channel_type, ChannelSequence.channel_id],
            set_={"last_seq": ChannelSequence.last_seq + 1},
        )
        .returning(ChannelSequence.last_seq.label("seq"))
        .cte("taken")
    )
    stored = (
        pg_insert(model)
        .from_select([*values, "seq"], select(*values.values(), taken.c.seq))
        .on_conflict_do_nothing(
            index_elements=_retry_key(ChannelType.DIRECT if model is DirectMessage else None)
        )
        .returning(model.seq)
        .cte("stored")
    )
    reader = pg_insert(ChannelReadState)
    read = (
        reader.from_select(
            ["organization_id", "user_id", "channel_type", "channel_id", "updated_at", "read_seq"],
            select(org_id, sender_id, kind, channel_id, created_at, stored.c.seq),
        )
        .on_conflict_do_update(
            index_elements=[
                ChannelReadState.user_id,
                ChannelReadState.channel_type,
                ChannelReadState.channel_id,
            ],
            set_={"read_seq": reader.excluded.read_seq, "updated_at": reader.excluded.updated_at},
            where=ChannelReadState.read_seq < reader.excluded.read_seq,
        )
        .cte("read")
    )
    inserted = select(func.count()).select_from(stored).scalar_subquery()
    return select(taken.c.seq, inserted).add_cte(read)
