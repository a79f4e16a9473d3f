"""Which process runs a round of a periodic job, when several serve one database.

Rounds are aligned on the epoch (round r starts at r x interval seconds), so every
process wakes for the same round at the same moment and asks its lock:

- Redis configured: `SET job:<name>:<round> NX PX <interval>`; the key outlives the
  round, so exactly one process ever runs it, however late another wakes.
- Otherwise: the round is claimed in the `job_rounds` table by one upsert that only
  moves forward (store.job_rounds): exactly one process ever runs a round, however late
  another wakes, and the claim is one transaction, so it holds behind a transaction
  pooler (a session advisory lock would not: PgBouncer hands the unlock to another
  server connection).
  On SQLite (one process by nature) the same claim keeps a round from running twice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from store.db import create_session_factory, unit_of_work
from store.job_rounds import claim_round


class RoundLock(Protocol):
    def claim(self, round_no: int) -> AbstractAsyncContextManager[bool]:
        """True inside the block for the one process that runs `round_no`."""
        ...


class RedisRoundLock:
    def __init__(self, redis: Redis, name: str, interval: float, namespace: str) -> None:
        self._redis = redis
        self._name = name
        self._namespace = namespace
        self._ttl_ms = max(1000, int(interval * 1000) * 2)

    @asynccontextmanager
    async def claim(self, round_no: int) -> AsyncIterator[bool]:
        key = f"{self._namespace}:job:{self._name}:{round_no}"
        won = bool(await self._redis.set(key, "1", nx=True, px=self._ttl_ms))
        yield won


class TableRoundLock:
    def __init__(self, engine: AsyncEngine, name: str) -> None:
        self._sessions = create_session_factory(engine)
        self._name = name

    @asynccontextmanager
    async def claim(self, round_no: int) -> AsyncIterator[bool]:
        async with unit_of_work(self._sessions) as session:
            won = await claim_round(session, self._name, round_no)
        yield won


def round_lock(
    name: str,
    interval: float,
    *,
    engine: AsyncEngine,
    redis: Redis | None,
    namespace: str = "aurentia",
) -> RoundLock:
    """Redis when configured (keys under `namespace`), else the table of claimed rounds."""
    if redis is not None:
        return RedisRoundLock(redis, name, interval, namespace)
    return TableRoundLock(engine, name)
