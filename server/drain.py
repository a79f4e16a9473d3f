"""Work in flight, so that a stopping process can let it finish and refuse what is new.

HTTP requests (server/rest/access.py) and Socket.IO events (server/realtime/dispatch.py)
are counted while they run. On SIGTERM, `begin` turns the process away from new events
and `wait_idle` lets the started ones answer (server/shutdown.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

from protocol.errors import AppError, ErrorCode


def restarting() -> AppError:
    return AppError(ErrorCode.UNAVAILABLE, "the server is restarting; reconnect and retry")


class Drain:
    def __init__(self) -> None:
        self.draining = False
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @contextmanager
    def track(self) -> Iterator[None]:
        """Count the enclosed work as in flight."""
        self._in_flight += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    @contextmanager
    def admit(self) -> Iterator[None]:
        """Like `track`, but refuse new work (`unavailable`) once draining has begun."""
        if self.draining:
            raise restarting()
        with self.track():
            yield

    def begin(self) -> None:
        self.draining = True

    async def wait_idle(self, timeout: float) -> bool:
        """True when nothing is in flight any more, False when `timeout` ran out first."""
        try:
            async with asyncio.timeout(max(timeout, 0)):
                await self._idle.wait()
        except TimeoutError:
            return False
        return True
