"""Group commit: sends of many channels that arrive while a commit is under way share the
next transaction.

A send's own work is two statements; its transaction adds BEGIN and COMMIT, a session and
a WAL flush. Under load, the sends queued behind a commit run one after the other in one
transaction (each scoping itself, store.tenancy.new_unit), commit once, then publish
their effects in order. Nothing waits for company: a send that finds no commit under way
starts one at once, so a quiet server answers as fast as before.

What each send keeps:
- Its own order: the caller holds its channel's lock (services.channel_locks) until its
  effects are published, so one channel appears at most once in a group, and a group
  locks channels in one global order (sorted), as another process's group does.
- Its own failure: when a unit raises (a refusal, a conflict), the group is rolled back
  and every unit in it runs again in a transaction of its own, where the failing one
  fails alone as it would have without company. A commit that fails definitively is
  retried the same way. A lost connection fails the whole group as `unavailable`: a
  commit whose answer was lost may have happened, and only the client's `client_msg_id`
  makes its retry safe.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from store import tenancy
from store.db import is_unavailable, unit_of_work

from .core import Services, Tx, database_unavailable

log = logging.getLogger("aurentia.services")

T = TypeVar("T")
Body = Callable[[Tx], Coroutine[Any, Any, T]]


@dataclass
class _Unit(Generic[T]):
    order: tuple[str, ...]
    body: Body[T]
    done: asyncio.Future[T]
    # The caller's context (its request id in the logs): the unit runs in it.
    context: contextvars.Context
    tx: Tx | None = None
    result: Any = None


class GroupCommit:
    """The queue of units waiting for the next group (one per process)."""

    # Groups committing at once, each on its own connection: one alone would bound the
    # sends to what a single connection's round trips allow (two per send), whatever
    # the CPU left (persist measured the server half idle at 445 sends/s so).
    PARALLEL = 4

    def __init__(self, svc: Services, most: int) -> None:
        self._svc = svc
        self._most = most
        self._waiting: list[_Unit[Any]] = []
        self._runners: set[asyncio.Task[None]] = set()

    async def run(self, order: tuple[str, ...], body: Body[T]) -> T:
        """Run `body` in a transaction shared with other units; its result once its
        group committed and its effects were published. `order` sorts a group (the
        channel's key), the same in every process."""
        if self._most <= 1:
            async with self._svc.tx() as tx:
                return await body(tx)
        done = asyncio.get_running_loop().create_future()
        unit: _Unit[T] = _Unit(order, body, done, contextvars.copy_context())
        self._waiting.append(unit)
        if len(self._runners) < self.PARALLEL:
            self._runners.add(asyncio.create_task(self._drain()))
        return await unit.done

    async def _drain(self) -> None:
        try:
            while self._waiting:
                group = self._waiting[: self._most]
                del self._waiting[: self._most]
                await self._settle([u for u in group if not u.done.cancelled()])
        except BaseException:  # cancelled (shutdown): nobody is left waiting forever
            for unit in self._waiting:
                unit.done.cancel()
            self._waiting.clear()
            raise
        finally:
            # At once, not in a done-callback: a unit queued right after this runner saw
            # the queue empty must find a runner slot free, or nobody would take it.
            self._runners.discard(asyncio.current_task())

    async def _settle(self, group: list[_Unit[Any]]) -> None:
        """Run a group together, or each of its units alone; every future is answered."""
        try:
            ordered = sorted(group, key=lambda u: u.order)
            if len(group) > 1 and await self._together(ordered):
                for unit in ordered:
                    await self._publish(unit)
                return
            for unit in group:
                await self._alone(unit)
        except BaseException as exc:
            for unit in group:
                _fail(unit, exc if isinstance(exc, Exception) else asyncio.CancelledError())
            if not isinstance(exc, Exception):
                raise

    async def _publish(self, unit: _Unit[Any]) -> None:
        """A committed unit's effects, then its answer (as Services.tx does alone)."""
        try:
            await self._svc.bus.publish(unit.tx.effects if unit.tx else [])
        except Exception as exc:
            _fail(unit, exc)
            return
        _answer(unit, unit.result)

    async def _together(self, group: list[_Unit[Any]]) -> bool:
        """One transaction for the group; False when a unit or the commit refused (the
        group was rolled back), an exception when the database is unreachable."""
        try:
            async with unit_of_work(self._svc.sessions) as session:
                for unit in group:
                    tenancy.new_unit(session)
                    unit.tx = Tx(session)
                    work = unit.body(unit.tx)
                    unit.result = await asyncio.create_task(work, context=unit.context)
        except Exception as exc:
            if is_unavailable(exc):
                log.error("database unavailable", exc_info=True)
                raise database_unavailable() from None
            return False
        return True

    async def _alone(self, unit: _Unit[Any]) -> None:
        try:
            async with self._svc.tx() as tx:
                result = await asyncio.create_task(unit.body(tx), context=unit.context)
        except Exception as exc:
            _fail(unit, exc)
            return
        _answer(unit, result)


def _answer(unit: _Unit[Any], result: Any) -> None:
    if not unit.done.done():
        unit.done.set_result(result)


def _fail(unit: _Unit[Any], exc: BaseException) -> None:
    if not unit.done.done():
        unit.done.set_exception(exc)
