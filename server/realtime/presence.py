"""Presence: online while any socket of the user, on any process, is connected and
active; away by choice or after inactivity; offline once the last socket has been gone
for a grace period, or its process stopped refreshing it. Statuses are told to, and
listed for, the members who may list the organization's members (`LIST_MEMBERS`: every
role but CLIENT), as `GET /members` is.

State is kept in a `PresenceStore` (in process, or Redis for several processes), never
found by scanning sockets. Others hear `presence:updated` only on a real change, and only
in the organizations the user belongs to; changes close together are coalesced per
organization (presence_batch.py). `last_seen` and `profiles.status` reach the
database on changes and on a slow timer, not on every event.

Presence never takes a connection or an event down with it: while its store (Redis) is
unreachable, changes are logged, the users concerned are remembered, and the sweep
announces their real status once the store answers again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import socketio

from protocol.errors import AppError, ErrorCode
from protocol.presence import PresenceUpdated
from store import organizations, users
from store.db import SessionFactory, unit_of_work

from ..audience import org_readers_room
from ..auth.memberships import MembershipCache
from ..policy import Action, act_as
from ..settings import Settings
from .cluster import REDIS_ERRORS
from .fanout import emit_all
from .presence_batch import PresenceBatcher
from .presence_render import Rendered
from .presence_store import PresenceStore
from .rooms import NAMESPACE

log = logging.getLogger("aurentia.presence")
UPDATED = "presence:updated"


@dataclass
class _Local:
    user_id: uuid.UUID
    chosen: str = "online"
    last_activity: float = 0.0
    pushed: str = "online"

    def status(self, now: float, away_after: float) -> str:
        if self.chosen == "away" or now - self.last_activity >= away_after:
            return "away"
        return "online"


def _aggregate(statuses: list[str]) -> str:
    if not statuses:
        return "offline"
    return "online" if "online" in statuses else "away"


class Presence:
    def __init__(
        self,
        settings: Settings,
        store: PresenceStore,
        sessions: SessionFactory,
        sio: socketio.AsyncServer,
        memberships: MembershipCache | None = None,
    ) -> None:
        self._s = settings
        # The user's organizations as a connect read them a moment ago, if it did.
        self._memberships = memberships
        self._store = store
        self._sessions = sessions
        self._sio = sio
        self._local: dict[str, _Local] = {}
        self._leaving: dict[uuid.UUID, asyncio.Task[None]] = {}
        # Every grace-period task, including one already past its sleep (no longer in
        # `_leaving`): close() waits for them, so none touches the database after the
        # engine is disposed (a connection opened then is never closed).
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        self._stop = asyncio.Event()
        self._sweeper: asyncio.Task[None] | None = None
        self._busy = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._last_persist = time.monotonic()
        # Users whose change could not be stored or announced; the sweep retries them.
        self._unsettled: set[uuid.UUID] = set()
        self._rendered = Rendered()
        self.batcher = PresenceBatcher(settings.presence_coalesce_seconds, self._tell, self._now_of)

    async def _tell(self, updates: list[PresenceUpdated]) -> None:
        """Changes of one organization, to the roles that read the member directory (not
        CLIENT members); one write per socket where the fast fan-out can."""
        if not updates:
            return
        room = org_readers_room(updates[0].organization_id, Action.LIST_MEMBERS)
        payloads = [update.model_dump(mode="json") for update in updates]
        await emit_all(self._sio.manager, UPDATED, payloads, NAMESPACE, room)

    async def _now_of(
        self, user_ids: list[uuid.UUID]
    ) -> dict[uuid.UUID, tuple[str, datetime | None]]:
        announced = await self._store.announced(user_ids)
        seen = await self._store.last_seen(user_ids)
        return {u: (announced[u], seen.get(u)) for u in user_ids}

    def _expiry(self) -> float:
        return time.time() + self._s.presence_ttl_seconds

    @contextlib.asynccontextmanager
    async def _settling(self, user_id: uuid.UUID) -> AsyncIterator[None]:
        """Run a change of `user_id`; should it fail, log it and leave it to the sweep.
        close() waits for the changes under way (a socket's disconnect can be one)."""
        self._busy += 1
        self._idle.clear()
        try:
            yield
        except REDIS_ERRORS as exc:
            self._unsettled.add(user_id)
            log.warning("presence store unavailable", extra={"fields": {"error": repr(exc)}})
        except Exception:
            self._unsettled.add(user_id)
            log.exception("presence change failed")
        finally:
            self._busy -= 1
            if not self._busy:
                self._idle.set()

    async def connected(self, sid: str, user_id: uuid.UUID) -> None:
        self._local[sid] = _Local(user_id, last_activity=time.monotonic())
        pending = self._leaving.pop(user_id, None)
        if pending is not None:
            pending.cancel()
        async with self._settling(user_id):
            await self._store.upsert(user_id, sid, "online", self._expiry())
            await self.refresh(user_id)

    async def disconnected(self, sid: str) -> None:
        local = self._local.pop(sid, None)
        if local is None:
            return
        async with self._settling(local.user_id):
            await self._store.remove(local.user_id, sid)
            if await self._store.conns(local.user_id):
                await self.refresh(local.user_id)
                return
            # The last socket is gone: say nothing unless it stays gone (reload, new tab).
            if self._closed:  # this process is stopping: no grace period
                await self.refresh(local.user_id)
                return
            task = asyncio.create_task(self._leave_later(local.user_id))
            self._leaving[local.user_id] = task
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _leave_later(self, user_id: uuid.UUID) -> None:
        await asyncio.sleep(self._s.presence_grace_seconds)
        self._leaving.pop(user_id, None)
        async with self._settling(user_id):
            await self.refresh(user_id)

    async def activity(self, sid: str) -> None:
        """A client event: the socket is active again (unless the user chose away)."""
        local = self._local.get(sid)
        if local is None:
            return
        now = time.monotonic()
        was = local.status(now, self._s.presence_away_after_seconds)
        local.last_activity = now
        if was != local.status(now, self._s.presence_away_after_seconds):
            local.pushed = "online"
            async with self._settling(local.user_id):
                await self._store.upsert(local.user_id, sid, "online", self._expiry())
                await self.refresh(local.user_id)

    async def choose(self, sid: str, status: str) -> str:
        local = self._local[sid]
        local.chosen = local.pushed = status
        local.last_activity = time.monotonic()
        async with self._settling(local.user_id):
            await self._store.upsert(local.user_id, sid, status, self._expiry())
            await self.refresh(local.user_id)
        return status

    async def refresh(self, user_id: uuid.UUID, *, retell: bool = False) -> None:
        """Recompute the user's status from every connection and announce a change.

        `retell`: tell it even when the store already holds it as announced. A change
        that failed after its compare-and-set (the database write or the organizations'
        read timed out) is in the store but was told to nobody; the sweep's retry must
        tell it, not find it "unchanged" (a reconnect storm lost a person's return so)."""
        status = _aggregate(list((await self._store.conns(user_id)).values()))
        if await self._store.announce(user_id, status) is None and not retell:
            return
        now = datetime.now(UTC)
        await self._store.set_last_seen(user_id, now)
        roles = self._memberships.roles_of(user_id) if self._memberships else None
        async with unit_of_work(self._sessions) as session:
            await users.set_presence(session, user_id, status, now)
            if roles is None:
                await act_as(session, user_id)
                org_ids = await organizations.user_organization_ids(session, user_id=user_id)
            else:
                org_ids = [org_id for org_id, _role in roles]
        for org_id in org_ids:
            update = PresenceUpdated(
                user_id=user_id, organization_id=org_id, status=status, last_seen=now
            )
            await self.batcher.offer(update)

    async def has_connection(self, user_id: uuid.UUID) -> bool:
        """Whether the user is connected anywhere; unknown (store down) counts as not, so
        that a notification is kept rather than lost."""
        try:
            return bool(await self._store.conns(user_id))
        except REDIS_ERRORS:
            log.warning("presence store unavailable; user taken as not connected")
            return False

    async def connection_count(self, user_id: uuid.UUID) -> int:
        """Sockets of the user open on any process; 0 while the store is unreachable, so
        that a Redis outage never locks people out (the cap bounds abuse, not access)."""
        try:
            return len(await self._store.conns(user_id))
        except REDIS_ERRORS:
            log.warning("presence store unavailable; socket cap not enforced")
            return 0

    def local_users(self) -> set[uuid.UUID]:
        """Users with a socket on this process."""
        return {local.user_id for local in self._local.values()}

    async def flush(self, here: set[uuid.UUID], timeout: float) -> None:
        """Shutdown, once this process's sockets are closed: give `here` the grace period
        (bounded by `timeout`) to reappear through another process, announce the rest
        offline now, and persist everyone's last_seen."""
        pending = list(self._leaving.values())
        if pending:
            grace = min(timeout, self._s.presence_grace_seconds)
            await asyncio.wait(pending, timeout=max(grace, 0))
        for user_id, task in list(self._leaving.items()):
            task.cancel()
            del self._leaving[user_id]
            await self.refresh(user_id)
        await self.batcher.drain()
        if here:
            async with unit_of_work(self._sessions) as session:
                await users.touch_last_seen(session, list(here), datetime.now(UTC))

    async def listed(self, user_ids: list[uuid.UUID]) -> list[dict[str, str | None]]:
        """`presence:list`'s entries of `user_ids`, JSON-ready (presence_render.py)."""
        try:
            seen = await self._store.last_seen(user_ids)
            missing = [u for u in user_ids if u not in seen]
            if missing:
                async with self._sessions() as session:
                    from_db = await users.last_seen_of(session, missing)
                seen.update({u: s for u, s in from_db.items() if s})
            # Read last, right before the answer is sent: a `presence:updated` that reached
            # the socket while the rest was read must not be newer than the list (a client
            # applies the list over what it heard before it).
            announced = await self._store.announced(user_ids)
        except REDIS_ERRORS:
            raise AppError(ErrorCode.UNAVAILABLE, "presence is unavailable; retry") from None
        return [self._rendered.entry(u, announced[u], seen.get(u)) for u in user_ids]

    async def sweep(self) -> None:
        """Refresh this process's connections, notice inactivity, claim dead processes'
        connections, and now and then persist last_seen of the users still here."""
        now = time.monotonic()
        changed: set[uuid.UUID] = set()
        sockets = list(self._local.items())
        away_after = self._s.presence_away_after_seconds
        statuses = [local.status(now, away_after) for _, local in sockets]
        expiry = self._expiry()
        entries = [
            (local.user_id, sid, status, expiry)
            for (sid, local), status in zip(sockets, statuses, strict=True)
        ]
        refreshed = await self._store.upsert_many(entries)
        for (sid, local), status, late in zip(sockets, statuses, refreshed, strict=True):
            if sid not in self._local:
                # It closed while the refresh was on its way: the refresh stored it again.
                await self._store.remove(local.user_id, sid)
                continue
            if late:
                # This process refreshed it too late: it expired, and whoever noticed may
                # have announced the user offline while the socket is still here.
                changed.add(local.user_id)
            if local.pushed != status:
                local.pushed = status
                changed.add(local.user_id)
        await self._store.keep_alive()
        changed.update(await self._store.claim_expired(time.time()))
        unsettled = set(self._unsettled)
        changed.update(unsettled)
        for user_id in changed:
            await self.refresh(user_id, retell=user_id in unsettled)
            self._unsettled.discard(user_id)
        if now - self._last_persist >= self._s.last_seen_persist_seconds:
            self._last_persist = now
            here = list({local.user_id for local in self._local.values()})
            async with unit_of_work(self._sessions) as session:
                await users.touch_last_seen(session, here, datetime.now(UTC))

    def start(self) -> None:
        """Sweep every `presence_sweep_seconds` until close()."""
        self._sweeper = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while not self._closed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self._s.presence_sweep_seconds)
            if self._closed:
                return
            try:
                await self.sweep()
            except REDIS_ERRORS as exc:
                # Entries here may expire meanwhile and be claimed by another process:
                # announce every local user again once the store answers.
                self._unsettled.update(local.user_id for local in self._local.values())
                log.warning("presence store unavailable", extra={"fields": {"error": repr(exc)}})
            except Exception:
                log.exception("presence sweep failed")

    async def close(self) -> None:
        """This process stops: its users leave now rather than at expiry, and nothing here
        touches the database once this returns (a connection opened after the engine is
        disposed is never closed).

        Only what sleeps is cancelled: grace periods not yet over. A sweep or an
        announcement under way is waited for, never cancelled, because a task cancelled
        inside a transaction can leave it open (aiosqlite finishes the statement in its
        thread and SQLite stays locked)."""
        self._closed = True
        self._stop.set()
        asleep = list(self._leaving)
        for task in self._leaving.values():
            task.cancel()
        self._leaving.clear()
        under_way = [*self._tasks, *([self._sweeper] if self._sweeper else [])]
        timeout = self._s.shutdown_timeout_seconds
        if under_way:
            await asyncio.wait(under_way, timeout=timeout)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout)
        for user_id in asleep:
            with contextlib.suppress(Exception):
                await self.refresh(user_id)
        for sid in list(self._local):
            with contextlib.suppress(Exception):
                local = self._local.pop(sid)
                await self._store.remove(local.user_id, sid)
                await self.refresh(local.user_id)
        with contextlib.suppress(Exception):
            await self.batcher.drain()
