"""Which login sessions this process saw signed in a moment ago.

Every authenticated request and socket connection asks whether the token's session still
stands (account enabled, session not ended): a statement, and on its own a session of
the pool, each time. This cache answers "yes" from memory for a few seconds
(`AUTH_CACHE_SECONDS`) after the database last said so.

Revocation stays immediate: ending sessions publishes `sessions-ended` (services.access
`sessions_ended`), which every process runs, on the process that ended them before the
answer leaves; each process drops the user's entries there (server/realtime/live_rights.py)
before it tells any socket. Only "signed in" is remembered, never a refusal. An answer
read from the database while an invalidation ran is not kept (the generation counter), so
a revocation racing a lookup cannot be papered over by it.

Anything that disables an account must also call `sessions_ended(tx, user_id)`: the
cache is invalidated by that signal, not by the column (otherwise the account would be
refused only once the entries age out, within `AUTH_CACHE_SECONDS`).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable


class SignedInCache:
    LIMIT = 100_000

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._seconds = seconds
        self._clock = clock
        self._until: dict[uuid.UUID, dict[uuid.UUID | None, float]] = {}
        self._size = 0
        # Bumped by every invalidation: an answer read across one is not kept.
        self.generation = 0

    def known(self, user_id: uuid.UUID, family_id: uuid.UUID | None) -> bool:
        """Whether the session was seen signed in less than the TTL ago."""
        until = self._until.get(user_id, {}).get(family_id)
        return until is not None and until > self._clock()

    def remember(self, user_id: uuid.UUID, family_id: uuid.UUID | None, generation: int) -> None:
        """Keep "signed in", read from the database when `generation` was current."""
        if self._seconds <= 0 or generation != self.generation:
            return
        if self._size >= self.LIMIT:
            self._until.clear()
            self._size = 0
        families = self._until.setdefault(user_id, {})
        if family_id not in families:
            self._size += 1
        families[family_id] = self._clock() + self._seconds

    def forget(self, user_id: uuid.UUID, family_id: uuid.UUID | None = None) -> None:
        """Sessions ended: `family_id`'s (or every one of the user's when None)."""
        self.generation += 1
        families = self._until.get(user_id)
        if families is None:
            return
        if family_id is None:
            self._size -= len(families)
            del self._until[user_id]
        elif families.pop(family_id, None) is not None:
            self._size -= 1
