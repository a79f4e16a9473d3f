"""Presence changes coalesced per organization, so that a storm costs each watcher one
`presence:updated` per person whose status really changed, not one per flap.

Leading edge plus trailing window (`PRESENCE_COALESCE_SECONDS`, 0.5 s by default): the
first change of an organization in a quiet window goes out at once (a single change is
as instant as before); changes within the window are held, and when it ends each held
person's status is read again from the presence store (the truth every process shares)
and told only if it differs from what the watchers last heard of them. Someone who went
offline and came back within the window costs nothing; 2,000 sockets dropping and
reconnecting cost at most one update per person per window. A window that told
something stays open one more period, so a storm that lasts is coalesced throughout.

Per process: each process holds the changes it announced (the store's compare-and-set
decides which process announces a change), and reads the store at the window's end, so
a change announced by another process in between is never undone by a stale hold. The
payload stays the contract's `presence:updated`, one person per event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from protocol.presence import PresenceUpdated

log = logging.getLogger("aurentia.presence")

Emit = Callable[[PresenceUpdated], Awaitable[None]]
# Statuses and last_seen of some users as the presence store holds them now.
Current = Callable[[list[uuid.UUID]], Awaitable[dict[uuid.UUID, tuple[str, datetime | None]]]]


@dataclass
class _Held:
    # What the watchers last heard of the person (before the first held change).
    told: str
    latest: PresenceUpdated


class PresenceBatcher:
    def __init__(self, window: float, emit: Emit, current: Current) -> None:
        self._window = window
        self._emit = emit
        self._current = current
        self._open: dict[uuid.UUID, asyncio.Task[None]] = {}
        self._held: dict[uuid.UUID, dict[uuid.UUID, _Held]] = {}

    async def offer(self, update: PresenceUpdated, told: str) -> None:
        """A change of `update.user_id` in `update.organization_id`; `told` is the status
        the watchers heard before it."""
        org_id = update.organization_id
        if self._window <= 0:
            await self._send(update)
            return
        if org_id not in self._open:
            self._open[org_id] = asyncio.create_task(self._close_later(org_id))
            await self._send(update)
            return
        held = self._held.setdefault(org_id, {})
        earlier = held.get(update.user_id)
        held[update.user_id] = _Held(earlier.told if earlier else told, update)

    async def _send(self, update: PresenceUpdated) -> None:
        await self._emit(update)

    async def _close_later(self, org_id: uuid.UUID) -> None:
        try:
            while True:
                await asyncio.sleep(self._window)
                told = await self._flush(org_id)
                if not told and not self._held.get(org_id):
                    break
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("presence window could not be flushed")
        finally:
            self._open.pop(org_id, None)

    async def _flush(self, org_id: uuid.UUID) -> int:
        """Tell the held changes of `org_id` that still stand; how many were told."""
        held = self._held.pop(org_id, {})
        if not held:
            return 0
        now = await self._current(list(held))
        told = 0
        for user_id, hold in held.items():
            status, last_seen = now.get(user_id, (hold.latest.status, None))
            if status == hold.told:
                continue  # back where the watchers last saw them
            update = PresenceUpdated(
                user_id=user_id,
                organization_id=org_id,
                status=status,
                last_seen=last_seen or hold.latest.last_seen,
            )
            await self._send(update)
            told += 1
        return told

    async def drain(self) -> None:
        """Tell every held change now (the process stops)."""
        for org_id, task in list(self._open.items()):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            with contextlib.suppress(Exception):
                await self._flush(org_id)
