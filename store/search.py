"""Full-text search over messages: PostgreSQL text search or SQLite FTS5, one function.

Both engines answer the same question: messages of the given conversations, not deleted,
containing every word of the query, best match first. They differ in what "word" means:

- PostgreSQL uses the `french` configuration: French stemming ("projets" finds "projet",
  "mangeons" finds "manger") and French stop words ("le", "de" are ignored); accents are
  kept ("equipe" does not find "équipe").
- SQLite uses FTS5 with `porter unicode61 remove_diacritics 2`: accents are folded
  ("equipe" finds "équipe") and English Porter stemming handles the plural "-s"
  ("projets" finds "projet") but not French conjugation; there are no stop words.

The search objects are created by migration 0002 and are not in the models; their names
are listed here so store.migrate can keep them out of the autogenerate comparison.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    column,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from protocol.enums import ChannelType

from .db import is_sqlite
from .messages import Conversation, MessageRow
from .models import ChannelMessage, DirectMessage

MESSAGE_TABLES = ("channel_messages", "direct_messages")
# SQLite: the FTS5 tables (their shadow tables are named `<name>_data`, `_idx`, ...).
FTS_TABLES = tuple(f"{name}_fts" for name in MESSAGE_TABLES)
# PostgreSQL: the GIN expression indexes.
FTS_INDEXES = tuple(f"ix_{name}_content_fts" for name in MESSAGE_TABLES)

_WORD = re.compile(r"\w+")
# The regconfig is spelled as a literal, never a bind parameter, so the expression is
# the indexed one (`to_tsvector('french', content)`) in every plan, generic ones included.
_FRENCH: ColumnElement[Any] = literal_column("'french'")


@dataclass(frozen=True)
class Hit:
    row: MessageRow
    rank: float  # higher is better, on both engines


def words(query: str) -> list[str]:
    """The words of a query as both engines will look for them (letters and digits)."""
    return _WORD.findall(query)


def _fts5_match(query: str) -> str:
    """An FTS5 MATCH expression that is only ever a list of quoted words: user input
    cannot reach FTS5's query syntax (operators, columns, prefixes, parentheses)."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in words(query))


def _channel_scope(conversations: Sequence[Conversation]) -> ColumnElement[bool] | None:
    by_type: dict[ChannelType, list[uuid.UUID]] = {}
    for conv in conversations:
        if not conv.direct:
            by_type.setdefault(conv.type, []).append(conv.channel_id)
    if not by_type:
        return None
    return or_(
        *(
            and_(ChannelMessage.channel_type == kind.value, ChannelMessage.channel_id.in_(ids))
            for kind, ids in by_type.items()
        )
    )


def _direct_scope(conversations: Sequence[Conversation]) -> ColumnElement[bool] | None:
    ids = [conv.channel_id for conv in conversations if conv.direct]
    return DirectMessage.conversation_id.in_(ids) if ids else None


def _pg_select(model: Any, kind: str, query: str, scope: ColumnElement[bool]) -> Select[Any]:
    vector = func.to_tsvector(_FRENCH, model.content)
    tsquery = func.plainto_tsquery(_FRENCH, query)
    return select(
        model.id.label("id"),
        literal(kind).label("kind"),
        func.ts_rank(vector, tsquery).label("rank"),
        model.created_at.label("created_at"),
    ).where(vector.bool_op("@@")(tsquery), scope)


def _sqlite_select(model: Any, kind: str, query: str, scope: ColumnElement[bool]) -> Select[Any]:
    name = f"{model.__tablename__}_fts"
    fts = table(name, column("rowid"))
    # bm25() is lower for better matches: negated, higher is better as on PostgreSQL.
    return (
        select(
            model.id.label("id"),
            literal(kind).label("kind"),
            (-func.bm25(literal_column(name))).label("rank"),
            model.created_at.label("created_at"),
        )
        .select_from(fts.join(model, literal_column(f"{model.__tablename__}.rowid") == fts.c.rowid))
        .where(literal_column(name).op("MATCH")(_fts5_match(query)), scope)
    )


async def search_messages(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    conversations: Sequence[Conversation],
    query: str,
    limit: int,
    offset: int = 0,
) -> tuple[list[Hit], bool]:
    """One page of the live messages of `conversations` (all of `org_id`) that contain
    every word of `query`, best first (then newest), and whether more follow.

    The caller decides which conversations the reader may see; a query without any word
    (only punctuation, say) finds nothing.
    """
    if not words(query):
        return [], False
    build = _sqlite_select if is_sqlite(session) else _pg_select
    parts = []
    for model, kind, scope in (
        (ChannelMessage, "channel", _channel_scope(conversations)),
        (DirectMessage, "direct", _direct_scope(conversations)),
    ):
        if scope is None:
            continue
        live = and_(model.organization_id == org_id, model.deleted_at.is_(None), scope)
        parts.append(build(model, kind, query, live))
    if not parts:
        return [], False
    found = union_all(*parts).subquery()
    result = await session.execute(
        select(found.c.id, found.c.kind, found.c.rank)
        .order_by(found.c.rank.desc(), found.c.created_at.desc(), found.c.id)
        .limit(limit + 1)
        .offset(offset)
    )
    ranked = result.all()
    has_more = len(ranked) > limit
    ranked = ranked[:limit]
    rows = await _load(session, [(i, k) for i, k, _ in ranked])
    # A row removed between the two statements (its organization deleted) is skipped.
    hits = [Hit(rows[(i, k)], float(rank)) for i, k, rank in ranked if (i, k) in rows]
    return hits, has_more


async def _load(
    session: AsyncSession, keys: list[tuple[uuid.UUID, str]]
) -> dict[tuple[uuid.UUID, str], MessageRow]:
    rows: dict[tuple[uuid.UUID, str], MessageRow] = {}
    models: tuple[tuple[Any, str], ...] = ((ChannelMessage, "channel"), (DirectMessage, "direct"))
    for model, kind in models:
        ids = [i for i, k in keys if k == kind]
        if ids:
            found: Sequence[MessageRow] = (
                await session.scalars(select(model).where(model.id.in_(ids)))
            ).all()
            rows.update(((row.id, kind), row) for row in found)
    return rows


async def rebuild_sqlite_index(session: AsyncSession) -> None:
    """Re-read every message into the FTS5 tables (SQLite only; PostgreSQL's indexes need
    no care). Run it after anything that renumbers the message tables' rowids: VACUUM, or
    a migration rebuilding one of them (which must also recreate 0002's triggers)."""
    if not is_sqlite(session):
        return
    for name in FTS_TABLES:
        await session.execute(text(f"INSERT INTO {name}({name}) VALUES ('rebuild')"))
