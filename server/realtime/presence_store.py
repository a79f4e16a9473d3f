"""Where presence lives: in process, or in Redis so every server process shares it.

A connection is `(user, sid)` with a status and an expiry its process keeps pushing
forward; a process that dies stops doing so, and any survivor claims the expired
connections. `announce` is a compare-and-set of the status last told to others, so a
change is announced once even when several processes notice it.

In Redis every key expires (`key_lifetime`): each write sets its key's expiry and every
process's sweep pushes the shared keys' expiry forward (`keep_alive`), so a running
deployment keeps its state while a stopped one leaves nothing behind.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from redis.asyncio import Redis

# Connections refreshed per Redis round trip by `upsert_many`.
UPSERT_BATCH = 500

# (user, sid, status, expires_at): one connection's refresh.
Entry = tuple[uuid.UUID, str, str, float]


class PresenceStore(Protocol):
    async def upsert(self, user_id: uuid.UUID, sid: str, status: str, expires_at: float) -> bool:
        """Store the connection; True when it was not there alive (new, expired, or claimed
        as dead by a process that took its owner's late refresh for a death)."""
        ...

    async def upsert_many(self, entries: Sequence[Entry]) -> list[bool]:
        """`upsert` of each entry, in as few round trips as the store allows (a sweep
        refreshes every socket of the process: one round trip each fell behind the ttl
        on a busy process, and the other processes took its users for gone)."""
        ...

    async def remove(self, user_id: uuid.UUID, sid: str) -> bool: ...

    async def conns(self, user_id: uuid.UUID) -> dict[str, str]: ...

    async def claim_expired(self, now: float) -> list[uuid.UUID]: ...

    async def announce(self, user_id: uuid.UUID, status: str) -> str | None:
        """Compare-and-set the status told to others: the previous one when it changed,
        None when `status` was already told."""
        ...

    async def announced(self, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]: ...

    async def set_last_seen(self, user_id: uuid.UUID, when: datetime) -> None: ...

    async def last_seen(self, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, datetime]: ...

    async def keep_alive(self) -> None:
        """Called by every sweep: keep the shared state alive while a process runs."""
        ...


def key_lifetime(ttl_seconds: float, sweep_seconds: float) -> int:
    """Seconds a presence key outlives its last write or sweep: several sweeps and
    connection ttls, so that a running deployment never loses a key it still uses."""
    return max(60, math.ceil(3 * (ttl_seconds + sweep_seconds)))


class MemoryPresenceStore:
    def __init__(self) -> None:
        self._conns: dict[uuid.UUID, dict[str, tuple[str, float]]] = {}
        self._announced: dict[uuid.UUID, str] = {}
        self._last_seen: dict[uuid.UUID, datetime] = {}

    async def upsert(self, user_id: uuid.UUID, sid: str, status: str, expires_at: float) -> bool:
        conns = self._conns.setdefault(user_id, {})
        before = conns.get(sid)
        conns[sid] = (status, expires_at)
        return before is None or before[1] <= time.time()

    async def upsert_many(self, entries: Sequence[Entry]) -> list[bool]:
        return [await self.upsert(*entry) for entry in entries]

    async def remove(self, user_id: uuid.UUID, sid: str) -> bool:
        conns = self._conns.get(user_id, {})
        found = conns.pop(sid, None) is not None
        if not conns:
            self._conns.pop(user_id, None)
        return found

    async def conns(self, user_id: uuid.UUID) -> dict[str, str]:
        now = time.time()
        return {sid: s for sid, (s, exp) in self._conns.get(user_id, {}).items() if exp > now}

    async def claim_expired(self, now: float) -> list[uuid.UUID]:
        users = []
        for user_id, conns in list(self._conns.items()):
            dead = [sid for sid, (_, exp) in conns.items() if exp <= now]
            for sid in dead:
                del conns[sid]
            if dead:
                users.append(user_id)
            if not conns:
                del self._conns[user_id]
        return users

    async def announce(self, user_id: uuid.UUID, status: str) -> str | None:
        previous = self._announced.get(user_id, "offline")
        if previous == status:
            return None
        self._announced[user_id] = status
        return previous

    async def announced(self, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
        return {u: self._announced.get(u, "offline") for u in user_ids}

    async def set_last_seen(self, user_id: uuid.UUID, when: datetime) -> None:
        self._last_seen[user_id] = when

    async def last_seen(self, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, datetime]:
        return {u: self._last_seen[u] for u in user_ids if u in self._last_seen}

    async def keep_alive(self) -> None:
        """Nothing outlives the process in memory."""


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


# KEYS[1] the announced statuses, KEYS[2] the expiries: the statuses never outlive the
# expiries, or a restart after both expired halfway could find a user "online" with no
# connection left to claim.
_ANNOUNCE = """
local old = redis.call('HGET', KEYS[1], ARGV[1]) or 'offline'
if old == ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return old
"""


class RedisPresenceStore:
    """Keys: `p:u:{user}` hash sid -> status; `p:exp` sorted set of `user|sid` by expiry;
    `p:status` hash user -> announced status; `p:seen` hash user -> last seen (ISO).
    Each expires `key_ttl` seconds after its last write or `keep_alive`."""

    def __init__(self, redis: Redis, prefix: str = "aurentia:presence", key_ttl: int = 60) -> None:
        self._r = redis
        self._p = prefix
        self._ttl = key_ttl
        self._announce = redis.register_script(_ANNOUNCE)

    def _user_key(self, user_id: uuid.UUID) -> str:
        return f"{self._p}:u:{user_id}"

    async def upsert(self, user_id: uuid.UUID, sid: str, status: str, expires_at: float) -> bool:
        (fresh,) = await self.upsert_many([(user_id, sid, status, expires_at)])
        return fresh

    async def upsert_many(self, entries: Sequence[Entry]) -> list[bool]:
        fresh: list[bool] = []
        for start in range(0, len(entries), UPSERT_BATCH):
            pipe = self._r.pipeline(transaction=True)
            for user_id, sid, status, expires_at in entries[start : start + UPSERT_BATCH]:
                member = f"{user_id}|{sid}"
                pipe.zscore(f"{self._p}:exp", member)
                pipe.hset(self._user_key(user_id), sid, status)
                pipe.expire(self._user_key(user_id), self._ttl)
                pipe.zadd(f"{self._p}:exp", {member: expires_at})
            pipe.expire(f"{self._p}:exp", self._ttl)
            replies = await pipe.execute()
            now = time.time()
            # Four replies per entry, the score first.
            fresh += [before is None or float(before) <= now for before in replies[:-1:4]]
        return fresh

    async def remove(self, user_id: uuid.UUID, sid: str) -> bool:
        pipe = self._r.pipeline(transaction=True)
        pipe.zrem(f"{self._p}:exp", f"{user_id}|{sid}")
        pipe.hdel(self._user_key(user_id), sid)
        removed, _ = await pipe.execute()
        return bool(removed)

    async def conns(self, user_id: uuid.UUID) -> dict[str, str]:
        raw = await self._r.hgetall(self._user_key(user_id))
        if not raw:
            return {}
        by_sid = {_text(k): _text(v) for k, v in raw.items()}
        sids = list(by_sid)
        scores = await self._r.zmscore(f"{self._p}:exp", [f"{user_id}|{s}" for s in sids])
        now = time.time()
        return {
            sid: by_sid[sid]
            for sid, score in zip(sids, scores, strict=True)
            if score is not None and score > now
        }

    async def claim_expired(self, now: float) -> list[uuid.UUID]:
        members = await self._r.zrangebyscore(f"{self._p}:exp", "-inf", now)
        users: list[uuid.UUID] = []
        for member in map(_text, members):
            user, _, sid = member.partition("|")
            # Whoever removes the member claims it: each dead connection is handled once.
            if await self._r.zrem(f"{self._p}:exp", member):
                await self._r.hdel(f"{self._p}:u:{user}", sid)
                users.append(uuid.UUID(user))
        return users

    async def announce(self, user_id: uuid.UUID, status: str) -> str | None:
        keys = [f"{self._p}:status", f"{self._p}:exp"]
        previous = await self._announce(keys=keys, args=[str(user_id), status, self._ttl])
        return None if isinstance(previous, int) else _text(previous)

    async def announced(self, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
        if not user_ids:
            return {}
        values = await self._r.hmget(f"{self._p}:status", [str(u) for u in user_ids])
        return {u: (_text(v) if v else "offline") for u, v in zip(user_ids, values, strict=True)}

    async def set_last_seen(self, user_id: uuid.UUID, when: datetime) -> None:
        pipe = self._r.pipeline(transaction=True)
        pipe.hset(f"{self._p}:seen", str(user_id), when.isoformat())
        pipe.expire(f"{self._p}:seen", self._ttl)
        await pipe.execute()

    async def last_seen(self, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, datetime]:
        if not user_ids:
            return {}
        values = await self._r.hmget(f"{self._p}:seen", [str(u) for u in user_ids])
        return {
            u: datetime.fromisoformat(_text(v)).astimezone(UTC)
            for u, v in zip(user_ids, values, strict=True)
            if v
        }

    async def keep_alive(self) -> None:
        pipe = self._r.pipeline(transaction=True)
        for name in ("status", "seen", "exp"):
            pipe.expire(f"{self._p}:{name}", self._ttl)
        await pipe.execute()
