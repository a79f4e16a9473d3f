"""The Redis client manager hardened for faults: several processes share rooms and emits
through Redis pub/sub, and a Redis outage degrades delivery instead of stalling it.

python-socketio's `AsyncPubSubManager.emit` (>= 5.x) delivers to this process's sockets
first, then publishes for the others, and the listener ignores its own messages: local
delivery never depends on Redis and happens exactly once. What the library leaves to us:

- A failed publish is only logged by the library; here it is counted
  (`aurentia_redis_publish_failures_total`) and logged with the event and room. The
  change itself is already committed; clients on other processes catch up with `sync`.
- Publishing fails fast while Redis is known to be down (a short back-off after each
  failure, bounded timeouts, no retry storm), so acks never wait on a dead Redis.
- The listener resubscribes on its own after a lost connection, with a back-off capped
  at a few seconds (the library's grows to a minute), and logs when it is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisError

from .. import metrics
from .rooms import ClusterRedisManager

log = logging.getLogger("aurentia.cluster")

# Every Redis call of the server gives up after this long: a stalled Redis must not
# hold acks, presence or rate limits for longer.
REDIS_TIMEOUT_SECONDS = 2.0
# After a failed publish, further publishes fail at once for this long.
PUBLISH_BACKOFF_SECONDS = 0.5
LISTEN_RETRY_FIRST_SECONDS = 0.2
LISTEN_RETRY_MAX_SECONDS = 3.0
# What an unreachable or stalled Redis raises.
REDIS_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError, TimeoutError)


def redis_options() -> dict[str, Any]:
    """Connection options of every Redis client of the server (manager and app)."""
    return {
        "socket_timeout": REDIS_TIMEOUT_SECONDS,
        "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
        # A peer that vanished without closing the connection is noticed by TCP.
        "socket_keepalive": True,
        # One quick retry (a connection closed by Redis since last use), not redis-py's
        # default of ten with back-off, which would hold every call for seconds.
        "retry": Retry(ExponentialBackoff(cap=0.05, base=0.01), 1),
    }


class ResilientRedisManager(ClusterRedisManager):
    """`ClusterRedisManager` with counted publish failures and a self-healing listener."""

    def __init__(self, url: str, channel: str) -> None:
        super().__init__(url, channel=channel, redis_options=redis_options())
        self._publisher: Redis | None = None
        self._publish_blocked_until = 0.0
        # Whether the listener is subscribed right now (readiness and tests read it).
        self.listening = False

    async def _publish(self, data: dict[str, Any]) -> None:
        now = time.monotonic()
        if now < self._publish_blocked_until:
            self._failed(data, "redis unavailable (recent failure)")
            return
        try:
            if self._publisher is None:
                self._publisher = Redis.from_url(self.redis_url, **self.redis_options)
            await self._publisher.publish(self.channel, self.json.dumps(data))
        except Exception as exc:
            self._publish_blocked_until = now + PUBLISH_BACKOFF_SECONDS
            self._failed(data, repr(exc))

    def _failed(self, data: dict[str, Any], error: str) -> None:
        metrics.redis_publish_failures.inc()
        fields = {key: data.get(key) for key in ("method", "event", "room")}
        log.warning(
            "redis publish failed: other processes miss this event (clients recover with sync)",
            extra={"fields": {**fields, "error": error}},
        )

    async def _redis_listen_with_retries(self) -> AsyncIterator[Any]:
        delay = LISTEN_RETRY_FIRST_SECONDS
        lost = False
        while True:
            client = Redis.from_url(self.redis_url, **self.redis_options)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                self.listening = True
                delay = LISTEN_RETRY_FIRST_SECONDS
                if lost:
                    log.warning("redis listener resubscribed; events published meanwhile are lost")
                    lost = False
                async for message in pubsub.listen():
                    yield message
            except Exception as exc:
                if not lost:
                    log.error(
                        "redis listener lost its connection; retrying",
                        extra={"fields": {"error": repr(exc)}},
                    )
                lost = True
            finally:
                self.listening = False
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                with contextlib.suppress(Exception):
                    await client.aclose()
            await asyncio.sleep(delay)
            delay = min(delay * 2, LISTEN_RETRY_MAX_SECONDS)
