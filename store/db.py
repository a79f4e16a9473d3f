"""Engine, sessions and the unit of work; every dialect difference of the store lives here.

A service opens exactly one transaction per request or event with `unit_of_work`; store
functions receive its session and never commit.
"""

from __future__ import annotations

import uuid
import warnings
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import ColumnElement, Uuid, any_, bindparam, event, exc, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from .locks import lock_id
from .text_search import register_sqlite_functions

# SQLite stores NUMERIC as REAL; columns declare their scale, values are read back as
# Decimal rounded to it, and all money arithmetic happens in Python on Decimal.
warnings.filterwarnings(
    "ignore",
    message=r"Dialect sqlite\+aiosqlite does \*not\* support Decimal",
    category=exc.SAWarning,
)

SessionFactory = async_sessionmaker[AsyncSession]

# A PostgreSQL server that does not answer fails a new connection after this long
# (asyncpg waits a minute by default, far longer than any client waits for an answer).
CONNECT_TIMEOUT_SECONDS = 10.0


def create_engine(
    url: str,
    *,
    pool_size: int = 10,
    max_overflow: int | None = None,
    echo: bool = False,
    role: str | None = None,
    pooled: bool = False,
) -> AsyncEngine:
    """An engine configured for its dialect.

    PostgreSQL keeps `pool_size` connections and opens up to `max_overflow` more (as
    many again by default). `role` is the role every PostgreSQL connection runs as: it
    is sent in the connection's start-up parameters, so it holds from the first
    statement, is the same on every pooled connection, and stays through RESET ROLE and
    DISCARD ALL (it is the session's default). The server passes its unprivileged role
    (store/tenancy.py); migrations connect as the URL's own user.

    `pooled`: the URL leads to a transaction-mode pooler (PgBouncer, Supabase's), where
    consecutive transactions of one client connection may run on different server
    connections. asyncpg's prepared statements would then be missing or collide, so its
    statement cache is off and every statement it prepares gets a name of its own.

    SQLite gets foreign keys on (off by default there), WAL, a busy timeout, and
    `BEGIN IMMEDIATE` transactions: a deferred transaction that reads then writes can
    fail at once with "database is locked" when another writer got in between, whereas
    an immediate one waits its turn.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
        _configure_sqlite(engine)
        return engine
    connect_args: dict[str, Any] = {"timeout": CONNECT_TIMEOUT_SECONDS}
    if role is not None:
        connect_args["server_settings"] = {"role": role}
    if pooled:
        connect_args["statement_cache_size"] = 0
        connect_args["prepared_statement_name_func"] = _unique_statement_name
        parsed = parsed.update_query_dict({"prepared_statement_cache_size": "0"})
    return create_async_engine(
        parsed,
        echo=echo,
        connect_args=connect_args,
        pool_size=pool_size,
        max_overflow=pool_size if max_overflow is None else max_overflow,
        # No ping at checkout: asyncpg's costs three round trips (BEGIN, ";", ROLLBACK),
        # which was a third of a message send's. A connection that died with the server
        # fails its first statement instead: that request answers `unavailable` (nothing
        # was written; clients retry), and the disconnect invalidates every connection
        # opened before it, so the pool recovers by itself once PostgreSQL is back.
        pool_recycle=1800,
    )


def _unique_statement_name() -> str:
    return f"__aurentia_{uuid.uuid4().hex}__"


def is_unavailable(error: BaseException) -> bool:
    """Whether `error` means the database could not be reached or dropped the connection
    (as opposed to a statement it refused). The transaction did not commit, except when
    the connection broke during COMMIT itself: hence idempotent retries."""
    if isinstance(error, exc.DBAPIError):
        return (
            error.connection_invalidated
            or isinstance(error, (exc.OperationalError, exc.InterfaceError))
            or _refused_for_now(getattr(error.orig, "sqlstate", None))
        )
    return isinstance(error, (OSError, TimeoutError, exc.TimeoutError))


def _refused_for_now(sqlstate: object) -> bool:
    """PostgreSQL turned the connection away for a while: out of resources ("sorry, too
    many clients already" is 53300; asyncpg raises it as a plain error), starting up or
    shutting down (57P03), or a connection failure (class 08)."""
    return isinstance(sqlstate, str) and (sqlstate[:2] in ("53", "08") or sqlstate == "57P03")


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if make_url(str(sync_engine.url)).database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        register_sqlite_functions(dbapi_connection)

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


@asynccontextmanager
async def unit_of_work(factory: SessionFactory) -> AsyncIterator[AsyncSession]:
    """One transaction: committed when the block ends normally, rolled back otherwise."""
    async with factory() as session, session.begin():
        yield session


def is_sqlite(source: AsyncSession | AsyncEngine) -> bool:
    bind = source.get_bind() if isinstance(source, AsyncSession) else source.sync_engine
    return bind.dialect.name == "sqlite"


def _insert(session: AsyncSession, model: type[Any]) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT (both engines spell it alike)."""
    return (sqlite if is_sqlite(session) else postgresql).insert(model)


def insert_ignore(
    session: AsyncSession,
    model: type[Any],
    values: dict[str, Any],
    conflict: Sequence[Any] | None = None,
) -> Any:
    """INSERT that does nothing when a unique key already holds the row (both engines);
    with `conflict` (the key's columns), only that key's conflict is ignored."""
    return _insert(session, model).values(**values).on_conflict_do_nothing(index_elements=conflict)


def upsert(
    session: AsyncSession,
    model: type[Any],
    values: dict[str, Any],
    conflict: Sequence[Any],
    set_: dict[str, Any],
    where: Any = None,
) -> Any:
    """INSERT, or when the `conflict` key holds a row, UPDATE it with `set_` (only if
    `where` holds): one statement and one round trip on both engines. In `set_` and
    `where`, the model's columns are the stored row's and `excluded(model)` the new one's."""
    stmt = _insert(session, model).values(**values)
    return stmt.on_conflict_do_update(index_elements=conflict, set_=set_, where=where)


def excluded(session: AsyncSession, model: type[Any]) -> Any:
    """The row an upsert proposed (`EXCLUDED` in SQL), for its `set_` and `where`."""
    return _insert(session, model).excluded


async def advisory_lock(session: AsyncSession, key: str) -> None:
    """Serialize, until the transaction ends, every transaction that locks the same `key`.

    For invariants no row lock can guard (no cycle among all of an organization's
    milestone dependencies; a row that does not exist yet). PostgreSQL takes a
    transaction-level advisory lock on a 64-bit hash of the key; SQLite needs nothing,
    its write transactions (`BEGIN IMMEDIATE`) already run one at a time.
    """
    if is_sqlite(session):
        return
    await session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id(key)})


def array_contains(session: AsyncSession, column: Any, value: str) -> Any:
    """`value` is one of the items of a text-array column (`ARRAY(text)` on PostgreSQL,
    a JSON array on SQLite)."""
    from sqlalchemy import exists, func, literal, select

    if is_sqlite(session):
        items = func.json_each(column).table_valued("value")
        return exists(select(1).select_from(items).where(items.c.value == value))
    return literal(value) == func.any(column)


def among(session: AsyncSession, column: Any, ids: Sequence[uuid.UUID]) -> ColumnElement[bool]:
    """`column IN ids`, written for the engine: on PostgreSQL one array parameter
    (`= ANY($1)`), so the statement's text is the same for 1 id or 500 and asyncpg
    prepares it once, instead of one placeholder per id, compiled and prepared again for
    every new count; SQLite has no arrays and takes the list."""
    if is_sqlite(session):
        return column.in_(ids)  # type: ignore[no-any-return]
    return column == any_(bindparam(None, list(ids), type_=ARRAY(Uuid)))  # type: ignore[no-any-return]
