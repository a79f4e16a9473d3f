"""The presence store's batched refresh (a sweep's one round trip per 500 sockets) tells,
for each connection, whether it had lapsed, exactly as one refresh at a time does."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from server.realtime.presence_store import (
    UPSERT_BATCH,
    MemoryPresenceStore,
    PresenceStore,
    RedisPresenceStore,
)
from tests.conftest import TEST_REDIS_NAMESPACE


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def presence_store(
    request: pytest.FixtureRequest, redis_url: str | None
) -> AsyncIterator[PresenceStore]:
    if request.param == "memory":
        yield MemoryPresenceStore()
        return
    assert redis_url is not None
    redis: Redis = Redis.from_url(redis_url)
    prefix = f"{TEST_REDIS_NAMESPACE}:presence-store-{uuid.uuid4().hex[:8]}"
    try:
        yield RedisPresenceStore(redis, prefix)
    finally:
        keys = [key async for key in redis.scan_iter(match=f"{prefix}:*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()


async def test_a_batched_refresh_says_which_connections_had_lapsed(
    presence_store: PresenceStore,
) -> None:
    now = time.time()
    alive, lapsed, new = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await presence_store.upsert(alive, "a", "online", now + 60)
    await presence_store.upsert(lapsed, "b", "online", now - 1)
    # More than one round trip's worth, so that the batches' answers line up too.
    crowd = [(uuid.uuid4(), f"c{i}", "online", now + 60) for i in range(UPSERT_BATCH + 3)]

    batch = [(alive, "a", "away", now + 60), (lapsed, "b", "online", now + 60), *crowd]
    fresh = await presence_store.upsert_many([*batch, (new, "n", "online", now + 60)])

    assert fresh == [False, True, *[True] * len(crowd), True]
    assert await presence_store.conns(alive) == {"a": "away"}
    assert await presence_store.upsert_many([(new, "n", "online", now + 60)]) == [False]
