"""Keyset pagination: stable pages while rows are added, at any depth.

A cursor is the sort key of the last row served, encoded opaquely; the next page starts
strictly after it. Sort keys always end with the primary key so they are unique.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, TypeVar

import orjson
from sqlalchemy import ColumnElement, Select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from protocol.common import in_year_range
from protocol.errors import AppError, ErrorCode

S = TypeVar("S", bound="Select[*tuple[Any, ...]]")


def encode_cursor(values: Sequence[Any]) -> str:
    raw = orjson.dumps([_plain(v) for v in values])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, kinds: Sequence[type]) -> list[Any]:
    """The sort key a cursor carries, converted to `kinds`; a forged one is a 422."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = orjson.loads(raw)
        if not isinstance(values, list) or len(values) != len(kinds):
            raise ValueError("cursor shape")
        return [_revive(value, kind) for value, kind in zip(values, kinds, strict=True)]
    except (ValueError, TypeError, orjson.JSONDecodeError):
        raise AppError(
            ErrorCode.VALIDATION_ERROR,
            "the request is invalid",
            [{"loc": ["query", "cursor"], "msg": "not a cursor this list issued"}],
        ) from None


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _revive(value: Any, kind: type) -> Any:
    if value is None:
        return None
    if kind is uuid.UUID:
        return uuid.UUID(value)
    if kind is datetime:
        instant = datetime.fromisoformat(value)
        if instant.tzinfo is None or not in_year_range(instant.year):
            raise ValueError("cursor instant")
        return instant
    if kind is date:
        day = date.fromisoformat(value)
        if not in_year_range(day.year):
            raise ValueError("cursor date")
        return day
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        if not -(2**63) <= value < 2**63:
            raise ValueError("cursor integer")
        return value
    if kind is str and isinstance(value, str):
        return value
    raise ValueError("cursor value")


def after(columns: Sequence[Any], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows strictly after `values` in ascending order of `columns`."""
    return tuple_(*columns) > tuple_(*values)


def before(columns: Sequence[Any], values: Sequence[Any]) -> ColumnElement[bool]:
    return tuple_(*columns) < tuple_(*values)


def page_stmt(
    stmt: S,
    columns: Sequence[Any],
    kinds: Sequence[type],
    *,
    cursor: str | None,
    limit: int,
    descending: bool = False,
) -> S:
    """`stmt` ordered by `columns`, started after `cursor`, one row over `limit` (to know
    whether another page exists)."""
    if cursor is not None:
        values = decode_cursor(cursor, kinds)
        stmt = stmt.where((before if descending else after)(columns, values))
    order = [c.desc() for c in columns] if descending else list(columns)
    return stmt.order_by(*order).limit(limit + 1)


def split_page(rows: Sequence[Any], limit: int, key: Any) -> tuple[list[Any], str | None]:
    """The page's rows and the cursor of the next page (None on the last one)."""
    items = list(rows[:limit])
    if len(rows) <= limit or not items:
        return items, None
    return items, encode_cursor(key(items[-1]))


async def fetch_page(
    session: AsyncSession,
    stmt: S,
    columns: Sequence[Any],
    cursor: str | None,
    limit: int,
    *,
    kinds: Sequence[type] = (datetime, uuid.UUID),
    descending: bool = False,
    tuples: bool = False,
) -> tuple[list[Any], str | None]:
    """A page of `stmt`'s rows in the order of `columns` (ORM attributes of `kinds`, by
    default a creation instant and an id, whose values make the cursor) and the next
    page's cursor. With `tuples`, `stmt` selects several
    things and `columns` are those of the first."""
    stmt = page_stmt(stmt, columns, kinds, cursor=cursor, limit=limit, descending=descending)
    keys = [column.key for column in columns]
    if tuples:
        pairs = [tuple(row) for row in await session.execute(stmt)]
        return split_page(pairs, limit, lambda row: tuple(getattr(row[0], k) for k in keys))
    rows = list(await session.scalars(stmt))
    return split_page(rows, limit, lambda row: tuple(getattr(row, k) for k in keys))
