"""Full-text search over messages, tasks, projects and clients, one function per kind.

Both engines look for the same words: accents folded and French Snowball stems
(store/text_search.py; "equipe" finds "équipe", "chevaux" finds "cheval"), and read
web-search syntax (quoted phrases, `-word`, `OR`). PostgreSQL uses the `aurentia_french`
configuration of migration 0008 (`unaccent` then `french_stem`, and French stop words)
through GIN indexes (on messages' stored `search_vector`, migration 0012, and on
expressions for the other tables); SQLite uses FTS5 tables holding the stemmed text,
queried with the stemmed expression. The search objects are made by migrations and are
not in the models; their names are listed here so store.migrate can keep them out of
the autogenerate comparison.
"""

from __future__ import annotations

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

from . import text_search
from .db import is_sqlite
from .messages import Conversation, MessageRow
from .models import ChannelMessage, Client, DirectMessage, Projet, Tache

MESSAGE_TABLES = ("channel_messages", "direct_messages")
ENTITY_TABLES = ("tache", "projet", "client")
# SQLite: the FTS5 tables (their shadow tables are named `<name>_data`, `_idx`, ...).
FTS_TABLES = tuple(f"{name}_fts" for name in (*MESSAGE_TABLES, *ENTITY_TABLES))
# PostgreSQL: the GIN indexes, and the messages' generated column they index.
FTS_INDEXES = (
    *(f"ix_{name}_content_fts" for name in MESSAGE_TABLES),
    *(f"ix_{name}_search_fts" for name in ENTITY_TABLES),
)
FTS_COLUMN = "search_vector"
# PostgreSQL ranks only the newest RANK_WINDOW matches of each message table: ranking
# every match of a common word (half of 1M messages) cost seconds, while the newest
# matches come from a short backward scan of the created_at index. Pages stop at 1000
# results (server.services.chat.search.MAX_DEPTH), so every reachable page is still filled.
RANK_WINDOW = 1024
# session.info key: the transaction whose searches are planned for their words.
_PLANNED = "search.custom_plans"
# The regconfig is spelled as a literal, never a bind parameter, so the expression is
# the indexed one (`to_tsvector('aurentia_french', ...)`) in every plan, generic ones
# included.
_CONFIG: ColumnElement[Any] = literal_column("'aurentia_french'")
# What is searched in each entity table: the very expression migration 0008 indexes.
_ENTITY_TEXT = {
    "tache": "coalesce(tache.nom, '') || ' ' || coalesce(tache.description, '')",
    "projet": "coalesce(projet.nom, '') || ' ' || coalesce(projet.description, '')",
    "client": (
        "coalesce(client.nom, '') || ' ' || coalesce(client.contact_principal, '') || ' ' "
        "|| coalesce(client.secteur, '')"
    ),
}


@dataclass(frozen=True)
class Hit:
    row: MessageRow
    rank: float  # higher is better, on both engines


@dataclass(frozen=True)
class Query:
    """A query as both engines take it: the text (PostgreSQL parses it) and its parsed
    form (for FTS5 and highlighting). `web`: web-search syntax, else every word must
    appear."""

    text: str
    web: bool = True

    @property
    def parsed(self) -> text_search.WebQuery:
        return text_search.parse(self.text, web=self.web)

    def pg(self) -> ColumnElement[Any]:
        build = func.websearch_to_tsquery if self.web else func.plainto_tsquery
        result: ColumnElement[Any] = build(_CONFIG, self.text)
        return result

    def fts5(self) -> str:
        return text_search.fts5_expression(self.parsed)


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


def _pg_select(model: Any, kind: str, query: Query, scope: ColumnElement[bool]) -> Select[Any]:
    """The newest RANK_WINDOW matches, ranked (the stored vector: no text parsed again)."""
    vector: ColumnElement[Any] = literal_column(f"{model.__tablename__}.{FTS_COLUMN}")
    tsquery = query.pg()
    newest = (
        select(model.id, model.created_at, vector.label("vector"))
        .where(vector.bool_op("@@")(tsquery), scope)
        .order_by(model.created_at.desc())
        .limit(RANK_WINDOW)
        .subquery()
    )
    return select(
        newest.c.id.label("id"),
        literal(kind).label("kind"),
        func.ts_rank(newest.c.vector, tsquery).label("rank"),
        newest.c.created_at.label("created_at"),
    )


def _fts5(model: Any, query: Query) -> tuple[Any, ColumnElement[Any], ColumnElement[bool]]:
    """SQLite: the model's FTS5 table joined to it, the rank of a row (bm25() is lower for
    better matches: negated, higher is better as on PostgreSQL), and the match."""
    name = f"{model.__tablename__}_fts"
    fts = table(name, column("rowid"))
    joined = fts.join(model, literal_column(f"{model.__tablename__}.rowid") == fts.c.rowid)
    return joined, -func.bm25(literal_column(name)), literal_column(name).op("MATCH")(query.fts5())


def _sqlite_select(model: Any, kind: str, query: Query, scope: ColumnElement[bool]) -> Select[Any]:
    joined, rank, match = _fts5(model, query)
    return (
        select(
            model.id.label("id"),
            literal(kind).label("kind"),
            rank.label("rank"),
            model.created_at.label("created_at"),
        )
        .select_from(joined)
        .where(match, scope)
    )


async def _plan_for_these_words(session: AsyncSession) -> None:
    """Have PostgreSQL plan this transaction's searches for their own words.

    asyncpg prepares each statement, and after five runs PostgreSQL may keep one generic
    plan for every value of its parameters. For a search that plan is the backward scan of
    `created_at` (right for a common word, ruinous for a rare one or for an organization
    whose messages are not the newest: it reads the whole table to find 26 matches, 1.3 s
    on 2M messages against 2 ms through the GIN index). The words decide the plan, so
    each search is planned with them (`plan_cache_mode`, for this transaction only)."""
    if is_sqlite(session):
        return
    transaction = session.get_transaction()
    if transaction is not None and session.info.get(_PLANNED) is transaction:
        return
    await session.execute(text("SELECT set_config('plan_cache_mode', 'force_custom_plan', true)"))
    session.info[_PLANNED] = session.get_transaction()


async def search_messages(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    conversations: Sequence[Conversation],
    query: Query,
    limit: int,
    offset: int = 0,
) -> tuple[list[Hit], bool]:
    """One page of the live messages of `conversations` (all of `org_id`) that match
    `query`, best first (then newest), and whether more follow.

    The caller decides which conversations the reader may see; a query without any word
    to look for (only punctuation, or only exclusions) finds nothing.
    """
    if query.parsed.is_empty():
        return [], False
    await _plan_for_these_words(session)
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
            found = await session.scalars(select(model).where(model.id.in_(ids)))
            rows.update(((row.id, kind), row) for row in found)
    return rows


@dataclass(frozen=True)
class EntityHit:
    id: uuid.UUID
    rank: float


async def search_entities(
    session: AsyncSession,
    *,
    table_name: str,
    org_id: uuid.UUID,
    query: Query,
    scope: ColumnElement[bool] | None,
    limit: int,
) -> list[EntityHit]:
    """The best `limit` rows of `tache`, `projet` or `client` of `org_id` matching
    `query` (and `scope`, the caller's read rule), best first."""
    if query.parsed.is_empty():
        return []
    await _plan_for_these_words(session)
    model: Any = {"tache": Tache, "projet": Projet, "client": Client}[table_name]
    where = [model.organization_id == org_id, *([scope] if scope is not None else [])]
    if is_sqlite(session):
        joined, rank, match = _fts5(model, query)
        stmt = select(model.id, rank.label("rank")).select_from(joined).where(match, *where)
    else:
        vector = func.to_tsvector(_CONFIG, literal_column(_ENTITY_TEXT[table_name]))
        tsquery = query.pg()
        rank = func.ts_rank(vector, tsquery)
        stmt = select(model.id, rank.label("rank")).where(vector.bool_op("@@")(tsquery), *where)
    result = await session.execute(stmt.order_by(rank.desc(), model.id).limit(limit))
    return [EntityHit(row_id, float(score)) for row_id, score in result.all()]


async def rebuild_sqlite_index(session: AsyncSession) -> None:
    """Re-read every searched row into the FTS5 tables (SQLite only; PostgreSQL's indexes
    need no care). Run it after anything that renumbers the tables' rowids: VACUUM, or a
    migration rebuilding one of them (which must also recreate 0008's triggers)."""
    if not is_sqlite(session):
        return
    for source in (*MESSAGE_TABLES, *ENTITY_TABLES):
        searched = "content" if source in MESSAGE_TABLES else _ENTITY_TEXT[source]
        await session.execute(text(f"DELETE FROM {source}_fts"))
        await session.execute(
            text(
                f"INSERT INTO {source}_fts(rowid, body) "
                f"SELECT rowid, {text_search.STEM_FUNCTION}({searched}) FROM {source}"
            )
        )
