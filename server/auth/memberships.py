"""Who belongs to which organization, and with which role, as this process read it a
moment ago.

Every socket connection reads the user's organizations and roles, and every
`presence:list` reads its organization's members and the caller's role: in a reconnect
storm that is two database transactions for each of thousands of sockets, most of them
reading what the socket before them just read (ten devices of one person, two hundred
members listing one organization). This cache answers both from memory for a few
seconds (`AUTH_CACHE_SECONDS`) after the database last said so.

Access changes stay immediate: every membership change publishes `access-changed`
(services.access), which every process runs, on the process that made the change before
the answer leaves; the first thing it does here is drop everything this cache holds
(server/realtime/live_rights.py), before any socket's rooms are re-derived. An answer read
from the database while an invalidation ran is not kept (the generation counter), so a
change racing a lookup cannot be papered over by it. Dropping everything, not only the
user or organization named, keeps the rule simple: access changes are rare next to
connections.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")
# (organization, role) of a user, oldest organization first.
Roles = list[tuple[uuid.UUID, str]]
# user -> role of every member of an organization.
Members = dict[uuid.UUID, str]


class MembershipCache:
    LIMIT = 100_000

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._seconds = seconds
        self._clock = clock
        self._roles: dict[uuid.UUID, tuple[float, Roles]] = {}
        self._members: dict[uuid.UUID, tuple[float, Members]] = {}
        # Reads under way (`shared`): a storm's callers wait for one.
        self._reading: dict[Hashable, asyncio.Future[Any]] = {}
        # Bumped by every invalidation: an answer read across one is not kept.
        self.generation = 0

    def roles_of(self, user_id: uuid.UUID) -> Roles | None:
        """The user's organizations and roles, if read less than the TTL ago."""
        entry = self._roles.get(user_id)
        if entry is None or entry[0] <= self._clock():
            return None
        return entry[1]

    def remember_roles(self, user_id: uuid.UUID, roles: Roles, generation: int) -> None:
        """Keep `roles`, read from the database when `generation` was current."""
        if self._keeps(generation, len(self._roles)):
            self._roles[user_id] = (self._clock() + self._seconds, roles)

    def members_of(self, org_id: uuid.UUID) -> Members | None:
        """Every member of the organization with their role, if read less than the TTL ago."""
        entry = self._members.get(org_id)
        if entry is None or entry[0] <= self._clock():
            return None
        return entry[1]

    async def members(self, org_id: uuid.UUID, read: Callable[[], Awaitable[Members]]) -> Members:
        """The organization's members: remembered, else from the read already under way
        for it (begun after the last invalidation), else from `read()`."""
        members = self.members_of(org_id)
        if members is not None:
            return members
        generation = self.generation
        members = await self.shared(("members", org_id), read)
        self.remember_members(org_id, members, generation)
        return members

    async def shared(self, key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
        """What `read()` answers, from the read of `key` already under way if one began
        after the last invalidation: a storm's callers wait for one read, not one each
        (the listers of one organization, the devices of one person connecting)."""
        under_way = self._reading.get(key)
        if under_way is not None:
            await asyncio.wait([under_way])  # cancelling this caller leaves the read be
            if not under_way.cancelled() and under_way.exception() is None:
                answer: T = under_way.result()
                return answer
            # That read failed: this caller tries its own, and answers its own error.
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._reading[key] = future
        try:
            result = await read()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # retrieved, even if nobody else waits on it
            raise
        finally:
            if self._reading.get(key) is future:
                del self._reading[key]
        future.set_result(result)
        return result

    def remember_members(self, org_id: uuid.UUID, members: Members, generation: int) -> None:
        """Keep `members`, read from the database when `generation` was current."""
        if self._keeps(generation, len(self._members)):
            self._members[org_id] = (self._clock() + self._seconds, members)

    def _keeps(self, generation: int, size: int) -> bool:
        if self._seconds <= 0 or generation != self.generation:
            return False
        if size >= self.LIMIT:
            self._roles.clear()
            self._members.clear()
        return True

    def forget(self) -> None:
        """Someone's access changed: nothing read before now is answered again."""
        self.generation += 1
        self._roles.clear()
        self._members.clear()
        # A read begun before now answers those already waiting, never a later caller.
        self._reading.clear()
