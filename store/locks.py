"""A session-level PostgreSQL advisory lock on a connection of its own: for migrations,
which must run once when several replicas start together. It needs a direct connection
(DATABASE_DIRECT_URL behind a pooler): a transaction-mode pooler would hand the unlock,
or the migration itself, to another server connection. Not for SQLite: an embedded
database has one process, and its write transactions already run one at a time."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool


def lock_id(key: str) -> int:
    """A signed 64-bit id for `key` (PostgreSQL advisory locks take a bigint)."""
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@asynccontextmanager
async def session_advisory_lock(url: str, key: str) -> AsyncIterator[None]:
    """Wait for `pg_advisory_lock(key)` on a dedicated connection to `url` and hold it
    while the block runs. Its transaction is committed at once so the connection does not
    sit idle in one; the lock goes with the connection if the process dies."""
    ident = lock_id(key)
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT pg_advisory_lock(:id)"), {"id": ident})
            await conn.commit()
            try:
                yield
            finally:
                await conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": ident})
                await conn.commit()
    finally:
        await engine.dispose()
