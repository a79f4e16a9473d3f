"""Behind PgBouncer in transaction mode (CI's pooler leg, POOLER_URL): consecutive
transactions of one client connection run on whichever server connection is free, so
asyncpg's named, cached prepared statements would be missing or collide there."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from store.db import create_engine
from tests.conftest import pooled_settings

pytestmark = pytest.mark.pooler


async def test_a_pooled_engine_survives_many_clients_interleaving_on_few_servers(
    database_url: str,
) -> None:
    settings = pooled_settings(database_url)
    engine = create_engine(settings["database_url"], pool_size=20, pooled=True)

    async def client(index: int) -> int:
        total = 0
        for round_no in range(10):
            async with engine.begin() as conn:
                total += await conn.scalar(text("SELECT CAST(:a AS int) + 1"), {"a": index})
                await conn.scalar(
                    text("SELECT count(*) FROM pg_class WHERE relname = :name"),
                    {"name": str(round_no)},
                )
        return total

    try:
        totals = await asyncio.gather(*(client(i) for i in range(40)))
    finally:
        await engine.dispose()
    assert totals == [10 * (i + 1) for i in range(40)]


async def test_through_the_pooler_the_server_logs_in_as_the_unprivileged_app_role(
    database_url: str,
) -> None:
    settings = pooled_settings(database_url)
    engine = create_engine(settings["database_url"], pooled=True)
    try:
        async with engine.connect() as conn:
            user = await conn.scalar(text("SELECT current_user"))
            superuser = await conn.scalar(
                text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            )
    finally:
        await engine.dispose()
    assert (user, superuser) == (settings["database_app_role"], False)
