"""Run Alembic migrations from code, on either engine, without an alembic.ini.

Migrations get an engine of their own: on SQLite foreign keys must be off while Alembic's
batch mode rebuilds a table (dropping the old copy would otherwise cascade into its
children), and they are checked once the migration has committed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, MutableMapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from .locks import session_advisory_lock
from .search import FTS_COLUMN, FTS_INDEXES, FTS_TABLES, MESSAGE_TABLES
from .tenancy import DEFAULT_APP_ROLE, provision_app_role
from .text_search import register_sqlite_functions

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Held (PostgreSQL) around every upgrade and downgrade: replicas starting together with
# auto-migrate, or a migration job beside them, apply each migration once.
MIGRATION_LOCK = "aurentia:migrations"


@dataclass(frozen=True)
class Step:
    """One migration applied, with its title (the first line of its docstring)."""

    revision: str
    title: str

    def __str__(self) -> str:
        return f"{self.revision} {self.title}"


def include_name(name: str | None, type_: str, parent_names: MutableMapping[Any, Any]) -> bool:
    """Alembic's `include_name`: False for schema objects made by migrations but not in
    the models (the search tables, indexes and column of store.search), so autogenerate
    neither reports them as drift nor proposes to drop them. Used by migrations/env.py
    and by the drift test."""
    if type_ == "table" and name is not None:
        return not any(name == fts or name.startswith(f"{fts}_") for fts in FTS_TABLES)
    if type_ == "index":
        return name not in FTS_INDEXES
    if type_ == "column":
        return not (name == FTS_COLUMN and parent_names.get("table_name") in MESSAGE_TABLES)
    return True


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _migration_engine(url: str) -> AsyncEngine:
    engine = create_async_engine(url)
    if make_url(url).get_backend_name() == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            dbapi_connection.cursor().execute("PRAGMA foreign_keys=OFF")
            register_sqlite_functions(dbapi_connection)

        @event.listens_for(engine.sync_engine, "begin")
        def _on_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN")

    return engine


@asynccontextmanager
async def _exclusive(url: str) -> AsyncIterator[None]:
    """The migration lock on PostgreSQL; SQLite's writers already take turns."""
    if make_url(url).get_backend_name() == "sqlite":
        yield
        return
    async with session_advisory_lock(url, MIGRATION_LOCK):
        yield


async def _run(url: str, action: str, revision: str, app_role: str | None = None) -> list[Step]:
    """Run `action` under the migration lock; the steps taken are read inside it, so a
    process that waited for another's upgrade reports nothing applied."""
    async with _exclusive(url):
        before = await current(url)
        await _run_unlocked(url, action, revision, app_role)
        after = await current(url)
    if action == "upgrade":
        return steps_between(before, after)
    return list(reversed(steps_between(after, before)))


async def _run_unlocked(url: str, action: str, revision: str, app_role: str | None) -> None:
    config = alembic_config(url)
    engine = _migration_engine(url)
    try:
        async with engine.begin() as conn:

            def _do(sync_conn: Connection) -> None:
                config.attributes["connection"] = sync_conn
                getattr(command, action)(config, revision)

            await conn.run_sync(_do)
            if app_role is not None and engine.dialect.name == "postgresql":
                await conn.run_sync(provision_app_role, app_role)
            if engine.dialect.name == "sqlite":
                broken = (await conn.execute(text("PRAGMA foreign_key_check"))).fetchall()
                if broken:
                    raise RuntimeError(f"migration left dangling foreign keys: {broken[:5]}")
    finally:
        await engine.dispose()


async def upgrade(
    url: str, revision: str = "head", *, app_role: str = DEFAULT_APP_ROLE
) -> list[Step]:
    """Apply migrations as the URL's user (the tables' owner), then, on PostgreSQL, make
    sure `app_role`, the role the server runs as, exists and is granted every table
    (store.tenancy.provision_app_role). Returns the migrations this call applied: none
    when another process got there first."""
    return await _run(url, "upgrade", revision, app_role)


async def downgrade(url: str, revision: str = "base") -> list[Step]:
    """Undo migrations down to `revision`; returns those undone, newest first."""
    return await _run(url, "downgrade", revision)


def steps_between(lower: str | None, upper: str | None) -> list[Step]:
    """The migrations after `lower` up to and including `upper`, oldest first."""
    if upper is None or upper == lower:
        return []
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    chain = list(scripts.iterate_revisions(upper, lower or "base"))
    return [
        Step(s.revision, (s.doc or "").strip().splitlines()[0] if s.doc else "")
        for s in reversed(chain)
    ]


async def current(url: str) -> str | None:
    """The database's revision, or None for an empty database."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync_conn: MigrationContext.configure(sync_conn).get_current_revision()
            )
    finally:
        await engine.dispose()


def head() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
