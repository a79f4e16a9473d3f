"""Rank strings: always strictly between their bounds, short in normal use."""

from __future__ import annotations

import random

import pytest

from store.ranks import MAX_LENGTH, RankError, between, is_valid, spread


def test_first_key_of_an_empty_column_is_in_the_middle() -> None:
    assert between(None, None) == "V"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (None, "V"),
        ("V", None),
        ("A", "B"),
        ("A", "Ax"),
        ("1", "10V"),
        (None, "1"),
        (None, "0001"),
        ("z", None),
        ("zzz", None),
        ("Az", "B"),
        ("A1", "A2"),
        ("Vzz", "W"),
    ],
)
def test_key_lies_strictly_between_its_bounds(a: str | None, b: str | None) -> None:
    key = between(a, b)
    assert is_valid(key)
    assert a is None or a < key
    assert b is None or key < b


@pytest.mark.parametrize(("a", "b"), [("B", "A"), ("A", "A"), ("", "V"), ("V0", None), ("é", None)])
def test_impossible_or_malformed_bounds_are_refused(a: str | None, b: str | None) -> None:
    with pytest.raises(RankError):
        between(a, b)


def test_appending_at_either_end_grows_keys_slowly() -> None:
    last = between(None, None)
    for _ in range(1000):
        nxt = between(last, None)
        assert nxt > last
        last = nxt
    assert len(last) <= 20
    first = between(None, None)
    for _ in range(1000):
        prev = between(None, first)
        assert prev < first
        first = prev
    assert len(first) <= 20


def test_random_inserts_keep_a_strict_order() -> None:
    rng = random.Random(7)
    keys = [between(None, None)]
    for _ in range(2000):
        i = rng.randint(0, len(keys))
        low = keys[i - 1] if i > 0 else None
        high = keys[i] if i < len(keys) else None
        keys.insert(i, between(low, high))
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert max(len(k) for k in keys) <= MAX_LENGTH


def test_splitting_one_gap_repeatedly_eventually_needs_a_rebalance() -> None:
    low, high = "A", "B"
    splits = 0
    while len(high) <= MAX_LENGTH:
        high = between(low, high)
        splits += 1
    # About one character per five splits: a rebalance is rare, not never.
    assert splits > 200


@pytest.mark.parametrize("count", [0, 1, 2, 61, 62, 500, 5000])
def test_spread_gives_ordered_short_keys_with_room_between(count: int) -> None:
    keys = spread(count)
    assert len(keys) == count
    assert keys == sorted(keys) and len(set(keys)) == count
    assert all(is_valid(k) and len(k) <= 4 for k in keys)
    for low, high in zip([None, *keys], [*keys, None], strict=True):
        key = between(low, high)
        assert len(key) <= 5
