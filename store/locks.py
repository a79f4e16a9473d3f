"""Session-level PostgreSQL advisory locks, for work that must run in one process of
several (the analytics job). Not for SQLite: an embedded database has one process."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


def lock_id(key: str) -> int:
    """A signed 64-bit id for `key` (PostgreSQL advisory locks take a bigint)."""
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@asynccontextmanager
async def try_advisory_lock(engine: AsyncEngine, key: str) -> AsyncIterator[bool]:
    """`pg_try_advisory_lock` on a connection of its own, held while the block runs:
    True when this process got it, False when another holds it (no wait). Its
    transaction is committed at once so the connection is not left idle in one; the
    lock is session-level, released at the end of the block (or when the connection
    dies with its process)."""
    ident = lock_id(key)
    async with engine.connect() as conn:
        got = bool(await conn.scalar(text("SELECT pg_try_advisory_lock(:id)"), {"id": ident}))
        await conn.commit()
        try:
            yield got
        finally:
            if got:
                await conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": ident})
                await conn.commit()
