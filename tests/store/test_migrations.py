"""Migrations: both engines go from empty to head and back, and models never drift."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import create_async_engine

from store import migrate
from store.models import Base


async def _table_names(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def test_empty_database_upgrades_to_head_and_back_to_base(scratch_url: str) -> None:
    assert await migrate.current(scratch_url) is None
    await migrate.upgrade(scratch_url)
    assert await migrate.current(scratch_url) == migrate.head()
    assert set(Base.metadata.tables) <= await _table_names(scratch_url)

    await migrate.downgrade(scratch_url)
    assert await migrate.current(scratch_url) is None
    assert await _table_names(scratch_url) <= {"alembic_version"}

    await migrate.upgrade(scratch_url)
    assert await migrate.current(scratch_url) == migrate.head()


async def test_models_and_migrated_schema_do_not_drift(database_url: str) -> None:
    engine = create_async_engine(database_url)

    def diff(conn: Connection) -> list[object]:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": migrate.include_name}
        )
        return list(compare_metadata(context, Base.metadata))

    try:
        async with engine.connect() as conn:
            differences = await conn.run_sync(diff)
    finally:
        await engine.dispose()
    assert differences == []
