"""Which process runs a round of a periodic job, when several serve one database.

Rounds are aligned on the epoch (round r starts at r x interval seconds), so every
process wakes for the same round at the same moment and asks its lock:

- Redis configured: `SET job:<name>:<round> NX PX <interval>`; the key outlives the
  round, so exactly one process ever runs it, however late another wakes.
- PostgreSQL: `pg_try_advisory_lock(<name>)` on a connection of its own, held while the
  round runs and at least `min_hold` seconds (half the interval, at most 10 minutes):
  the others, waking within that time of the winner, find it taken and skip the round.
  A process whose clock is off by more than that could run a round twice; use Redis
  where that matters.
- SQLite: one process by nature; the lock only keeps a round from running twice.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from store.locks import try_advisory_lock

MAX_HOLD_SECONDS = 600.0


class RoundLock(Protocol):
    def claim(self, round_no: int) -> AbstractAsyncContextManager[bool]:
        """True inside the block for the one process that runs `round_no`."""
        ...


class LocalRoundLock:
    def __init__(self) -> None:
        self._last: int | None = None
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def claim(self, round_no: int) -> AsyncIterator[bool]:
        async with self._lock:
            won = self._last is None or round_no > self._last
            if won:
                self._last = round_no
            yield won


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


class PgRoundLock:
    def __init__(self, engine: AsyncEngine, name: str, interval: float) -> None:
        self._engine = engine
        self._key = f"job:{name}"
        self.min_hold = min(interval / 2, MAX_HOLD_SECONDS)

    @asynccontextmanager
    async def claim(self, round_no: int) -> AsyncIterator[bool]:
        started = time.monotonic()
        async with try_advisory_lock(self._engine, self._key) as won:
            yield won
            if won:
                remaining = self.min_hold - (time.monotonic() - started)
                if remaining > 0:
                    await asyncio.sleep(remaining)


def round_lock(
    name: str,
    interval: float,
    *,
    engine: AsyncEngine,
    redis: Redis | None,
    is_sqlite: bool,
    namespace: str = "aurentia",
) -> RoundLock:
    """Redis when configured (keys under `namespace`), else PostgreSQL's advisory lock,
    else in-process."""
    if redis is not None:
        return RedisRoundLock(redis, name, interval, namespace)
    if not is_sqlite:
        return PgRoundLock(engine, name, interval)
    return LocalRoundLock()
