"""Ping timers of every websocket session of a process, in one-second slots.

engine.io pings each socket every `ping_interval` and drops it when the pong is more than
`ping_timeout` late. A timer per socket costs a timer handle (~220 B with its heap entry)
for as long as the socket is idle, i.e. always; here the sockets due within the same
second share one timer handle and each costs an entry in that second's set. Timers fire
up to a second late, well within what clients allow (`ping_interval + ping_timeout`).
"""

from __future__ import annotations

import asyncio
import contextvars
import math
from typing import Protocol

# The context timers run in: an empty one shared by all, rather than a copy of the
# context they were scheduled from (held as long as the timer, i.e. always).
NO_CONTEXT = contextvars.Context()


class Timed(Protocol):
    def timer_fired(self) -> None: ...


class PingWheel:
    """One timer handle per second with something due, firing all that is due then."""

    def __init__(self) -> None:
        self.slots: dict[int, set[Timed]] = {}

    def add(self, item: Timed, delay: float) -> int:
        """`item.timer_fired()` in `delay` seconds (rounded up to the second); the slot
        returned is what `remove` needs."""
        loop = asyncio.get_running_loop()
        due = math.ceil(loop.time() + delay)
        slot = self.slots.get(due)
        if slot is None:
            slot = self.slots[due] = set()
            loop.call_at(due, self._fire, due, context=NO_CONTEXT)
        slot.add(item)
        return due

    def remove(self, item: Timed, due: int) -> None:
        slot = self.slots.get(due)
        if slot is not None:
            slot.discard(item)

    def _fire(self, due: int) -> None:
        for item in self.slots.pop(due, ()):
            item.timer_fired()
