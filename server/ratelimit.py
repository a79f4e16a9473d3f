"""Fixed-window rate limits, in process or shared through Redis across processes.

What is counted (an address, a user id, an email) never appears in a key: the key holds
its HMAC-SHA256 under a key derived from the server's signing secret, so the keys in
Redis cannot be reversed by hashing guesses (every email of a domain, every address).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time
from dataclasses import dataclass

from redis.asyncio import Redis

from protocol.errors import AppError, ErrorCode

log = logging.getLogger("aurentia.ratelimit")


@dataclass(frozen=True)
class Limit:
    name: str
    max_hits: int
    window_seconds: int


def rate_limited(retry_after: int) -> AppError:
    return AppError(
        ErrorCode.RATE_LIMITED,
        "too many requests; try again later",
        {"retry_after": retry_after},
        headers={"Retry-After": str(retry_after)},
    )


class RateLimiter:
    """`hit` counts one attempt against `limit` for `key` and raises `rate_limited` past it.

    With Redis the count is one INCR with an expiry, shared by every process; should Redis
    be unreachable the in-process counter takes over rather than failing the request.
    """

    def __init__(
        self, redis: Redis | None = None, namespace: str = "aurentia", *, secret: str
    ) -> None:
        self._redis = redis
        self._namespace = namespace
        # A key of its own, so that the signing secret itself never keys anything else.
        self._hmac_key = hmac.new(secret.encode(), b"aurentia rate-limit keys", "sha256").digest()
        self._local: dict[str, tuple[int, int]] = {}

    def digest(self, key: str) -> str:
        """The stand-in for `key` in bucket names: the same in every process sharing the
        secret, and not computable without it."""
        return hmac.new(self._hmac_key, key.encode(), hashlib.sha256).hexdigest()[:32]

    async def hit(self, limit: Limit, key: str) -> None:
        now = time.time()
        window = int(now // limit.window_seconds)
        bucket = f"{self._namespace}:rl:{limit.name}:{self.digest(key)}:{window}"
        count = await self._count(bucket, limit.window_seconds)
        if count > limit.max_hits:
            retry_after = math.ceil((window + 1) * limit.window_seconds - now)
            raise rate_limited(max(retry_after, 1))

    async def _count(self, bucket: str, ttl: int) -> int:
        if self._redis is not None:
            try:
                pipe = self._redis.pipeline(transaction=True)
                pipe.incr(bucket)
                pipe.expire(bucket, ttl + 1)
                count, _ = await pipe.execute()
                return int(count)
            except Exception:
                log.warning("redis unavailable for rate limits; counting in process")
        return self._count_local(bucket, ttl)

    def _count_local(self, bucket: str, ttl: int) -> int:
        now = int(time.time())
        if len(self._local) > 100_000:
            self._local = {k: v for k, v in self._local.items() if v[1] > now}
        count, expires = self._local.get(bucket, (0, now + ttl + 1))
        self._local[bucket] = (count + 1, expires)
        return count + 1
