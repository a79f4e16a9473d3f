"""The memberships a process remembers (server/auth/memberships.py): kept for the TTL,
dropped by an access change, never kept or shared across one, one read for many."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from server.auth.memberships import Members, MembershipCache

ORG, USER = uuid.uuid4(), uuid.uuid4()


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_roles_are_kept_for_the_ttl_and_dropped_by_an_access_change() -> None:
    clock = Clock()
    cache = MembershipCache(5, clock)
    cache.remember_roles(USER, [(ORG, "MEMBER")], cache.generation)
    assert cache.roles_of(USER) == [(ORG, "MEMBER")]
    clock.now = 5.0
    assert cache.roles_of(USER) is None
    cache.remember_roles(USER, [(ORG, "MEMBER")], cache.generation)
    cache.forget()
    assert cache.roles_of(USER) is None


def test_an_answer_read_across_an_access_change_is_not_kept() -> None:
    cache = MembershipCache(5)
    read_at = cache.generation
    cache.forget()
    cache.remember_roles(USER, [(ORG, "ADMIN")], read_at)
    cache.remember_members(ORG, {USER: "ADMIN"}, read_at)
    assert cache.roles_of(USER) is None and cache.members_of(ORG) is None


def test_nothing_is_kept_with_a_ttl_of_zero() -> None:
    cache = MembershipCache(0)
    cache.remember_members(ORG, {USER: "OWNER"}, cache.generation)
    assert cache.members_of(ORG) is None


async def test_listers_at_once_share_one_read_and_a_later_one_after_a_change_reads_again() -> None:
    cache = MembershipCache(5)
    reads = 0
    gate = asyncio.Event()

    async def read() -> Members:
        nonlocal reads
        reads += 1
        n = reads
        await gate.wait()
        return {USER: "MEMBER"} if n == 1 else {}

    first = [asyncio.create_task(cache.members(ORG, read)) for _ in range(5)]
    await asyncio.sleep(0)
    cache.forget()  # a change committed while the first read was on its way
    later = asyncio.create_task(cache.members(ORG, read))
    await asyncio.sleep(0)
    gate.set()
    assert [await t for t in first] == [{USER: "MEMBER"}] * 5
    assert await later == {}
    assert reads == 2
    # The read begun before the change is not remembered; the later one is.
    assert cache.members_of(ORG) == {}


async def test_a_failed_shared_read_leaves_each_waiter_to_read_for_itself() -> None:
    cache = MembershipCache(5)
    gate = asyncio.Event()
    calls = 0

    async def read() -> Members:
        nonlocal calls
        calls += 1
        if calls == 1:
            await gate.wait()
            raise OSError("database away")
        return {USER: "OWNER"}

    failing = asyncio.create_task(cache.members(ORG, read))
    await asyncio.sleep(0)
    waiting = asyncio.create_task(cache.members(ORG, read))
    await asyncio.sleep(0)
    gate.set()
    with pytest.raises(OSError):
        await failing
    assert await waiting == {USER: "OWNER"}
