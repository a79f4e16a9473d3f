"""One organization reused by the tests of a module (`shares_database`) while they only
read it: building one costs some fifty requests, more than many tests themselves."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

W = TypeVar("W")

# Long before the world's access tokens expire (15 minutes).
MAX_AGE_SECONDS = 240.0


@dataclass
class SharedWorld(Generic[W]):
    """The world the next test runs in, when it was built, and whether a test may have
    changed it since (the test says so by setting `dirty`)."""

    current: W | None = None
    built_at: float = 0.0
    dirty: bool = False

    async def get(self, build: Callable[[], Awaitable[W]]) -> W:
        """The current world, or a new one after a change or once it is old."""
        stale = time.monotonic() - self.built_at > MAX_AGE_SECONDS
        if self.current is None or self.dirty or stale:
            self.current = await build()
            self.built_at = time.monotonic()
            self.dirty = False
        return self.current
