"""Messages of every channel kind, their per-channel sequence and their reactions.

Organization, project and group messages live in `channel_messages`; direct messages in
`direct_messages`. A `Conversation` names where a message lives and hides the difference.
"""

from __future__ import annotations

import uuid
from collections import defaultdict, namedtuple
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Result, Select, bindparam, exists, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from protocol.enums import ChannelType

from .db import among, insert_ignore, upsert
from .models import ChannelMessage, ChannelSequence, DirectMessage, MessageReaction, Upload
from .scoped import delete_row, update_where

MessageRow = ChannelMessage | DirectMessage
V = TypeVar("V")


@dataclass(frozen=True)
class Conversation:
    """Where messages live: `channel_id` is the channel's id, or for `direct` the id of
    the pair's conversation within the organization."""

    org_id: uuid.UUID
    type: ChannelType
    channel_id: uuid.UUID

    @property
    def direct(self) -> bool:
        return self.type is ChannelType.DIRECT

    def model(self) -> Any:
        """The ORM class holding this conversation's messages (typed loosely: both share
        their column names)."""
        return DirectMessage if self.direct else ChannelMessage

    def where(self) -> list[ColumnElement[bool]]:
        if self.direct:
            return [
                DirectMessage.organization_id == self.org_id,
                DirectMessage.conversation_id == self.channel_id,
            ]
        return [
            ChannelMessage.organization_id == self.org_id,
            ChannelMessage.channel_type == self.type.value,
            ChannelMessage.channel_id == self.channel_id,
        ]


def conversation_of(row: MessageRow) -> Conversation:
    if isinstance(row, DirectMessage):
        return Conversation(row.organization_id, ChannelType.DIRECT, row.conversation_id)
    return Conversation(row.organization_id, ChannelType(row.channel_type), row.channel_id)


async def take_seqs(session: AsyncSession, conv: Conversation, count: int = 1) -> int:
    """Take the channel's next `count` seqs; returns the last one taken.

    One upsert (`... ON CONFLICT DO UPDATE SET last_seq = last_seq + count RETURNING`)
    creates or increments the sequence row and holds its lock to the end of the
    transaction, so senders of one channel queue here and commit in seq order; SQLite
    gets the same from BEGIN IMMEDIATE.
    """
    stmt = upsert(
        session,
        ChannelSequence,
        {
            "organization_id": conv.org_id,
            "channel_type": conv.type.value,
            "channel_id": conv.channel_id,
            "last_seq": count,
        },
        conflict=[ChannelSequence.channel_type, ChannelSequence.channel_id],
        set_={"last_seq": ChannelSequence.last_seq + count},
    ).returning(ChannelSequence.last_seq)
    return int((await session.execute(stmt)).scalar_one())


def _sequence(conv: Conversation) -> tuple[ColumnElement[bool], ...]:
    """Where the channel's sequence row is."""
    return (
        ChannelSequence.channel_type == conv.type.value,
        ChannelSequence.channel_id == conv.channel_id,
    )


async def give_back_seq(session: AsyncSession, conv: Conversation, seq: int) -> None:
    """Undo `take_seqs` of `seq` (the last taken, its lock still held): no gap is left."""
    last = ChannelSequence.last_seq == seq
    await update_where(session, ChannelSequence, *_sequence(conv), last, last_seq=seq - 1)


async def last_seq(session: AsyncSession, conv: Conversation) -> int:
    value = await session.scalar(select(ChannelSequence.last_seq).where(*_sequence(conv)))
    return int(value or 0)


async def find_by_client_msg_id(
    session: AsyncSession, conv: Conversation, sender_id: uuid.UUID, client_msg_id: str
) -> MessageRow | None:
    model = conv.model()
    return await session.scalar(
        select(model).where(
            *conv.where(), model.sender_id == sender_id, model.client_msg_id == client_msg_id
        )
    )


async def append_many(
    session: AsyncSession, conv: Conversation, sender_id: uuid.UUID, contents: Sequence[str]
) -> int:
    """Append messages to an organization, project or group channel in one multi-row
    INSERT, taking the next seqs under the sequence lock; returns the channel's last seq.

    For seeding large channels (the benchmark's history on 1M messages): no per-row ORM
    objects, no client_msg_id, no broadcast.
    """
    assert not conv.direct, "direct messages need a recipient per row"
    start = await take_seqs(session, conv, len(contents)) - len(contents)
    rows = [
        {
            "organization_id": conv.org_id,
            "channel_type": conv.type.value,
            "channel_id": conv.channel_id,
            "seq": start + offset,
            "sender_id": sender_id,
            "content": content,
        }
        for offset, content in enumerate(contents, start=1)
    ]
    if rows:
        await session.execute(insert(ChannelMessage), rows)
    return start + len(rows)


async def get_message(
    session: AsyncSession, *, org_id: uuid.UUID, message_id: uuid.UUID, for_update: bool = False
) -> MessageRow | None:
    """The organization's message of either table by id. The caller checks access."""
    for model in (ChannelMessage, DirectMessage):
        stmt = select(model).where(model.organization_id == org_id, model.id == message_id)
        if for_update:
            stmt = stmt.with_for_update()
        row: MessageRow | None = await session.scalar(stmt)
        if row is not None:
            return row
    return None


# What a page of messages reads: every column as plain rows (a page is read, rendered and
# forgotten: ORM instances, their identity map and state tracking were most of its cost),
# and whether each message has reactions or attachments, so that a page with none reads
# nothing more.
def _flagged(table: Any, columns: Any) -> list[Any]:
    direct = table is DirectMessage.__table__
    reaction = MessageReaction.direct_message_id if direct else MessageReaction.channel_message_id
    upload = Upload.direct_message_id if direct else Upload.channel_message_id
    return [
        *columns,
        exists().where(reaction == columns.id).label(_FLAGS[0]),
        exists().where(upload == columns.id).label(_FLAGS[1]),
    ]


_FLAGS = ("has_reactions", "has_files")


def _in_conversation(table: Any) -> list[ColumnElement[bool]]:
    """`Conversation.where` with bound parameters: statements built once, executed with
    `_params`."""
    where = [table.c.organization_id == bindparam("org_id")]
    if table is DirectMessage.__table__:
        return [*where, table.c.conversation_id == bindparam("channel_id")]
    return [
        *where,
        table.c.channel_type == bindparam("channel_type"),
        table.c.channel_id == bindparam("channel_id"),
    ]


def _params(conv: Conversation, **values: Any) -> dict[str, Any]:
    params = {"org_id": conv.org_id, "channel_id": conv.channel_id, **values}
    if not conv.direct:
        params["channel_type"] = conv.type.value
    return params


@cache
def _line(direct: bool) -> Any:
    """The tuple type a page's rows are read into: attributes named like the model's, read
    at tuple speed (a SQLAlchemy row's attribute access cost ~2 us, ten times the rest of
    building a message's JSON)."""
    names = [column.key for column in _table(direct).c]
    return namedtuple("DirectLine" if direct else "ChannelLine", [*names, *_FLAGS])


def _lines(conv: Conversation, result: Result[Any]) -> list[Any]:
    line = _line(conv.direct)
    return [line(*row) for row in result]


@cache
def _page(direct: bool, after: bool, before: bool) -> Select[Any]:
    table = _table(direct)
    stmt = select(*_flagged(table, table.c)).where(*_in_conversation(table))
    if after:
        stmt = stmt.where(table.c.seq > bindparam("after_seq"))
    if before:
        stmt = stmt.where(table.c.seq < bindparam("before_seq"))
    order = table.c.seq.asc() if after else table.c.seq.desc()
    return stmt.order_by(order).limit(bindparam("limit"))


async def history(
    session: AsyncSession,
    conv: Conversation,
    *,
    before_seq: int | None,
    after_seq: int | None,
    limit: int,
) -> tuple[list[Any], bool]:
    """One page in ascending seq and whether more lie beyond it, as plain tuples named like
    the model's attributes plus `has_reactions` and `has_files` (`_line`).

    With `after_seq` the page starts right after it (catching up forward); otherwise it
    ends right before `before_seq` (or at the newest message) scrolling back.
    """
    forward = after_seq is not None
    stmt = _page(conv.direct, forward, before_seq is not None)
    params = _params(conv, after_seq=after_seq, before_seq=before_seq, limit=limit + 1)
    rows = _lines(conv, await session.execute(stmt, params))
    has_more = len(rows) > limit
    rows = rows[:limit]
    if not forward:
        rows.reverse()
    return rows, has_more


@cache
def _changed(direct: bool) -> Select[Any]:
    table = _table(direct)
    changed = (
        select(table)
        .where(
            *_in_conversation(table),
            table.c.updated_at > bindparam("since"),
            table.c.seq <= bindparam("upto_seq"),
        )
        .cte("changed")
        .prefix_with("MATERIALIZED")
    )
    return select(*_flagged(table, changed.c)).order_by(changed.c.seq).limit(bindparam("limit"))


async def changed_since(
    session: AsyncSession, conv: Conversation, *, upto_seq: int, since: datetime, limit: int
) -> list[Any]:
    """Messages at or before `upto_seq` modified after `since` (edits, tombstones,
    reactions), oldest first, as `history` reads them.

    The candidates are gathered first (a materialized CTE, on both engines) so that the
    planner ranges over the sync index (updated_at, then seq) instead of walking the
    seq index in order in the hope of meeting `limit` matches early: on a large channel
    the changed rows are few and recent, and that walk read the whole channel.
    """
    params = _params(conv, upto_seq=upto_seq, since=since, limit=limit)
    return _lines(conv, await session.execute(_changed(conv.direct), params))


def _table(direct: bool) -> Any:
    return DirectMessage.__table__ if direct else ChannelMessage.__table__


async def created_at_of(session: AsyncSession, conv: Conversation, seq: int) -> datetime | None:
    model = conv.model()
    value: datetime | None = await session.scalar(
        select(model.created_at).where(*conv.where(), model.seq == seq)
    )
    return value


async def count_unread(
    session: AsyncSession, conv: Conversation, *, user_id: uuid.UUID, read_seq: int
) -> int:
    """Live messages after the read pointer that someone else sent."""
    model = conv.model()
    count = await session.scalar(
        select(func.count()).where(
            *conv.where(),
            model.seq > read_seq,
            model.sender_id != user_id,
            model.deleted_at.is_(None),
        )
    )
    return int(count or 0)


async def touch(session: AsyncSession, row: MessageRow, now: datetime) -> None:
    """Mark a message changed (sync reports it) without changing what it says."""
    row.updated_at = now
    await session.flush()


def _reaction_column(row_type: type[MessageRow]) -> Any:
    return (
        MessageReaction.direct_message_id
        if row_type is DirectMessage
        else MessageReaction.channel_message_id
    )


async def of_either_table(
    session: AsyncSession,
    rows: Sequence[MessageRow],
    read: Callable[[AsyncSession, bool, Sequence[uuid.UUID]], Awaitable[Mapping[uuid.UUID, V]]],
) -> dict[uuid.UUID, V]:
    """What `read`, which reads of messages of one table (`reactions_of`,
    `uploads.for_message_ids`), says of each of `rows`, messages of either table."""
    found: dict[uuid.UUID, V] = {}
    for model in (ChannelMessage, DirectMessage):
        ids = [row.id for row in rows if isinstance(row, model)]
        found.update(await read(session, model is DirectMessage, ids))
    return found


async def reactions_of(
    session: AsyncSession, direct: bool, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[str, list[uuid.UUID]]]]:
    """Reactions of each message of one table: emoji in order of first use, with who
    reacted. No ids, no statement."""
    if not ids:
        return {}
    column = _reaction_column(DirectMessage if direct else ChannelMessage)
    result = await session.execute(
        select(column, MessageReaction.emoji, MessageReaction.user_id)
        .where(among(session, column, ids))
        .order_by(MessageReaction.created_at, MessageReaction.id)
    )
    found: dict[uuid.UUID, dict[str, list[uuid.UUID]]] = defaultdict(dict)
    for message_id, emoji, user_id in result.all():
        found[message_id].setdefault(emoji, []).append(user_id)
    return {mid: list(by_emoji.items()) for mid, by_emoji in found.items()}


async def add_reaction(
    session: AsyncSession, row: MessageRow, *, user_id: uuid.UUID, emoji: str
) -> bool:
    """Idempotent: False when the user already reacted with this emoji."""
    column = "direct_message_id" if isinstance(row, DirectMessage) else "channel_message_id"
    result = await session.execute(
        insert_ignore(
            session,
            MessageReaction,
            {
                "id": uuid.uuid4(),
                "organization_id": row.organization_id,
                column: row.id,
                "user_id": user_id,
                "emoji": emoji,
            },
        )
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def remove_reaction(
    session: AsyncSession, row: MessageRow, *, user_id: uuid.UUID, emoji: str
) -> bool:
    column = _reaction_column(type(row))
    stmt = select(MessageReaction).where(
        column == row.id, MessageReaction.user_id == user_id, MessageReaction.emoji == emoji
    )
    reaction = await session.scalar(stmt)
    if reaction is None:
        return False
    await delete_row(session, reaction)
    return True
