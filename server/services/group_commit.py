"""Group commit: sends that arrive while a commit is under way share the next
transaction.

A send's own work is two statements; its transaction adds BEGIN and COMMIT, a session and
a WAL flush. Under load, the sends queued behind a commit run one after the other in one
transaction (each scoping itself, store.tenancy.new_unit), commit once, then publish
their effects in order. Nothing waits for company: a send that finds its queue idle
starts at once, so a quiet server answers as fast as before.

Sends are queued by conversation on `PARALLEL` queues, each drained by one task on its
own connection: one queue alone would bound the sends to what a single connection's
round trips allow (two per send), whatever the CPU left (persist measured the server half
idle at 445 sends/s so).

What each send keeps:
- Its order: the sends of one conversation always take the same queue, so they run,
  commit and are published in the order they arrived (their seq order) on this
  process, and a sender of a busy channel holds no connection while it waits. A group
  locks its channels in one global order (sorted by key, stable), as another process's
  group does.
- Its own failure: when a unit raises (a refusal, a conflict), the group is rolled back
  and every unit in it runs again in a transaction of its own, in order, where the
  failing one fails alone as it would have without company. A commit that fails
  definitively is retried the same way. A lost connection fails the whole group as
  `unavailable`: a commit whose answer was lost may have happened, and only the client's
  `client_msg_id` makes its retry safe.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from store import tenancy
from store.db import is_unavailable, unit_of_work

from .core import Services, Tx, lost_database

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
    """The queues of units waiting for their next group (one set per process)."""

    PARALLEL = 4

    def __init__(self, svc: Services, most: int) -> None:
        self._svc = svc
        self._most = most
        self._queues: list[list[_Unit[Any]]] = [[] for _ in range(self.PARALLEL)]
        self._draining = [False] * self.PARALLEL
        self._tasks: set[asyncio.Task[None]] = set()  # held: the loop keeps weak ones

    async def run(self, order: tuple[str, ...], body: Body[T]) -> T:
        """Run `body` in a transaction shared with other units; its result once its
        group committed and its effects were published. `order` names the conversation:
        it picks the queue, and sorts a group the same way in every process."""
        done = asyncio.get_running_loop().create_future()
        unit: _Unit[T] = _Unit(order, body, done, contextvars.copy_context())
        shard = hash(order) % self.PARALLEL
        self._queues[shard].append(unit)
        if not self._draining[shard]:
            self._draining[shard] = True
            task = asyncio.create_task(self._drain(shard))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await unit.done

    async def _drain(self, shard: int) -> None:
        queue = self._queues[shard]
        try:
            while queue:
                group = queue[: self._most]
                del queue[: self._most]
                await self._settle([u for u in group if not u.done.cancelled()])
        except BaseException:  # cancelled (shutdown): nobody is left waiting forever
            for unit in queue:
                unit.done.cancel()
            queue.clear()
            raise
        finally:
            # At once, not in a done-callback: a unit queued right after this task saw
            # the queue empty must find it idle, or nobody would take it.
            self._draining[shard] = False

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
                raise lost_database(exc) from None
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
