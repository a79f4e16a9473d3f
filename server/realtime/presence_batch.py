"""Presence changes coalesced per organization, so that a storm costs each watcher at most
one `presence:updated` per person per window, not one per flap.

Leading edge plus trailing window (`PRESENCE_COALESCE_SECONDS`, 0.5 s by default): the
first change of an organization in a quiet window goes out at once (a single change is
as instant as before); changes within the window are held, and when it ends each held
person's status is read again from the presence store (the truth every process shares)
and told. A window that told something stays open one more period, so a storm that lasts
is coalesced throughout.

Every `presence:updated` carries the store's status read when it is sent, never the one
computed when the change was made: refreshes of one person can reach `offer` out of order
(each awaits the database in between), and the last one to arrive may be the stale one.
Since every change is followed by a send that reads the store after it, the last status
a socket hears of someone is their status now.

A held person is told even when they are back where the watchers last heard them (a drop
and return within one window): a socket that connected meanwhile listed them in between
(`presence:list` reads the store), and only that send corrects its view. It costs a
repeat of a status the older watchers already have, at most one per person per window.

Per process: each process holds the changes it announced (the store's compare-and-set
decides which process announces a change), and reads the store at the window's end, so
a change announced by another process in between is never undone by a stale hold. The
payload stays the contract's `presence:updated`, one person per event; the events of one
flush reach each socket in one write where it can take them directly
(fanout.FanoutManager.emit_all), not one write per person.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

from protocol.presence import PresenceUpdated

log = logging.getLogger("aurentia.presence")

# Changes of one organization, told in order (one write per socket where it can).
Emit = Callable[[list[PresenceUpdated]], Awaitable[None]]
# Statuses and last_seen of some users as the presence store holds them now.
Current = Callable[[list[uuid.UUID]], Awaitable[dict[uuid.UUID, tuple[str, datetime | None]]]]


class PresenceBatcher:
    def __init__(self, window: float, emit: Emit, current: Current) -> None:
        self._window = window
        self._emit = emit
        self._current = current
        self._open: dict[uuid.UUID, asyncio.Task[None]] = {}
        self._held: dict[uuid.UUID, dict[uuid.UUID, PresenceUpdated]] = {}

    async def offer(self, update: PresenceUpdated) -> None:
        """A change of `update.user_id` in `update.organization_id` was announced."""
        org_id = update.organization_id
        if self._window > 0:
            if org_id in self._open:
                self._held.setdefault(org_id, {})[update.user_id] = update
                return
            # Opened before the store is read, so that changes meanwhile are held.
            self._open[org_id] = asyncio.create_task(self._close_later(org_id))
        await self._tell(org_id, {update.user_id: update})

    async def _tell(self, org_id: uuid.UUID, changes: dict[uuid.UUID, PresenceUpdated]) -> int:
        """Send each changed person's status as the store holds it now; how many sent."""
        try:
            now = await self._current(list(changes))
        except Exception:
            # Better the status the change computed than none: the store is down.
            log.warning("presence store unreadable; telling the changes as computed")
            now = {}
        updates = []
        for user_id, change in changes.items():
            status, last_seen = now.get(user_id, (change.status, None))
            update = PresenceUpdated(
                user_id=user_id,
                organization_id=org_id,
                status=status,
                last_seen=last_seen or change.last_seen,
            )
            updates.append(update)
        await self._emit(updates)
        return len(changes)

    async def _close_later(self, org_id: uuid.UUID) -> None:
        try:
            while True:
                await asyncio.sleep(self._window)
                told = await self._flush(org_id)
                if not told and not self._held.get(org_id):
                    break
        except Exception:  # a cancellation (drain) is no Exception: it goes through
            log.exception("presence window could not be flushed")
        finally:
            self._open.pop(org_id, None)

    async def _flush(self, org_id: uuid.UUID) -> int:
        """Tell the held changes of `org_id`; how many were told."""
        held = self._held.pop(org_id, {})
        if not held:
            return 0
        return await self._tell(org_id, held)

    async def drain(self) -> None:
        """Tell every held change now (the process stops)."""
        for org_id, task in list(self._open.items()):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            with contextlib.suppress(Exception):
                await self._flush(org_id)
