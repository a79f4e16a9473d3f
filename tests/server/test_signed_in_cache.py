"""The per-process memory of sessions seen signed in (server/auth/signed_in.py)."""

from __future__ import annotations

import uuid

from server.auth.signed_in import SignedInCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_session_is_remembered_for_the_ttl_only() -> None:
    clock = Clock()
    cache = SignedInCache(5.0, clock)
    user, family = uuid.uuid4(), uuid.uuid4()
    assert not cache.known(user, family)
    cache.remember(user, family, cache.generation)
    assert cache.known(user, family)
    clock.now += 5.0
    assert not cache.known(user, family)


def test_ending_a_session_forgets_it_and_ending_all_forgets_every_one() -> None:
    cache = SignedInCache(5.0, Clock())
    user, one, two = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for family in (one, two):
        cache.remember(user, family, cache.generation)
    cache.forget(user, one)
    assert not cache.known(user, one) and cache.known(user, two)
    cache.forget(user)
    assert not cache.known(user, two)


def test_an_answer_read_while_a_session_ended_is_not_kept() -> None:
    """identify read "signed in" from the database, then the revocation's signal ran
    before it stored the answer: the stale answer must not be remembered."""
    cache = SignedInCache(5.0, Clock())
    user, family = uuid.uuid4(), uuid.uuid4()
    before = cache.generation
    cache.forget(user, family)
    cache.remember(user, family, before)
    assert not cache.known(user, family)


def test_a_zero_ttl_remembers_nothing() -> None:
    cache = SignedInCache(0, Clock())
    user = uuid.uuid4()
    cache.remember(user, None, cache.generation)
    assert not cache.known(user, None)
