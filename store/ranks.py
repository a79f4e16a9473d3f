"""Rank strings: lexicographic keys that order a Kanban column.

A rank is a string of base-62 digits (`0-9A-Za-z`, in ASCII order, so byte-wise string
comparison is numeric comparison) read as a fraction `0.d1 d2 d3 ...`. A key never ends
with the lowest digit `0`, so there is always room below it and between any two
distinct keys: `between(a, b)` returns a key strictly between them without touching any
other row. That is what lets a move rewrite one row instead of renumbering a column.

Key length grows only when the same gap is split again and again (about one character
per five splits of one gap). Appending to either end steps the first digit that can
move by one, so a column can grow by some sixty tasks per character at either end.
When a generated key would exceed `MAX_LENGTH`, the caller rewrites the column with
`spread`, whose keys are evenly spaced and short.
"""

from __future__ import annotations

DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BASE = len(DIGITS)
_INDEX = {digit: i for i, digit in enumerate(DIGITS)}
# Beyond this a generated key asks for a rebalance (the column holds 64 characters).
MAX_LENGTH = 48


class RankError(ValueError):
    """The bounds given to `between` admit no key (equal, reversed or malformed)."""


def is_valid(rank: str) -> bool:
    """A key `between` can work with: base-62 digits, not empty, no trailing `0`."""
    return bool(rank) and rank[-1] != DIGITS[0] and all(c in _INDEX for c in rank)


def between(a: str | None, b: str | None) -> str:
    """A key strictly between `a` and `b`; None stands for the column's start or end.

    Raises `RankError` when `a >= b` or either bound is not a valid key: the column
    then needs `spread` (for instance after two concurrent moves gave two tasks the
    same rank, or rows were created with the empty default rank).
    """
    for bound in (a, b):
        if bound is not None and not is_valid(bound):
            raise RankError(f"not a rank key: {bound!r}")
    if a is not None and b is not None and a >= b:
        raise RankError(f"{a!r} is not below {b!r}")
    if a is None and b is None:
        return DIGITS[BASE // 2]
    if b is None:
        assert a is not None
        return _step_up(a)
    if a is None:
        return _step_down(b)
    return _midpoint(a, b)


def _step_up(a: str) -> str:
    """The shortest key above `a` made by raising one digit by one: `V` -> `W`,
    `Vz` -> `W`, `z` -> `z1`, `zz` -> `zz1`."""
    for i, char in enumerate(a):
        if char != DIGITS[-1]:
            return a[:i] + DIGITS[_INDEX[char] + 1]
    return a + DIGITS[1]


def _step_down(b: str) -> str:
    """The shortest key below `b` made by lowering one digit by one without reaching
    `0` (`V` -> `U`, `1V` -> `1U`); when every digit is `0` or `1`, the first `1`
    becomes `0z` (`1` -> `0z`, `01` -> `00z`), as far from `b` as one more digit allows."""
    for i, char in enumerate(b):
        if _INDEX[char] > 1:
            return b[:i] + DIGITS[_INDEX[char] - 1]
    first_one = b.index(DIGITS[1])  # a valid key ends with a digit above 0
    return b[:first_one] + DIGITS[0] + DIGITS[-1]


def _midpoint(a: str, b: str | None) -> str:
    """A key between `a` (`""` = 0) and `b` (None = 1), given `a < b`, both without a
    trailing `0`: the common prefix, then the middle digit of the first that differ."""
    if b is not None:
        n = 0
        while n < len(b) and (a[n] if n < len(a) else DIGITS[0]) == b[n]:
            n += 1
        if n > 0:
            return b[:n] + _midpoint(a[n:], b[n:])
    low = _INDEX[a[0]] if a else 0
    high = _INDEX[b[0]] if b is not None else BASE
    if high - low > 1:
        return DIGITS[(low + high) // 2]
    # Adjacent digits: keep the lower one and split what follows it.
    if b is not None and len(b) > 1:
        return b[0]
    return DIGITS[low] + _midpoint(a[1:], None)


def spread(count: int) -> list[str]:
    """`count` increasing keys, evenly spaced, all of one short length (trailing `0`s
    dropped, which keeps their order), leaving room of at least 62 between neighbours."""
    if count <= 0:
        return []
    length = 1
    while BASE**length < (count + 1) * BASE:
        length += 1
    step = BASE**length // (count + 1)
    return [_encode(step * (i + 1), length).rstrip(DIGITS[0]) for i in range(count)]


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, digit = divmod(value, BASE)
        chars.append(DIGITS[digit])
    return "".join(reversed(chars))
