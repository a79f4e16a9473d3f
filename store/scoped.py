"""Rows that belong to one organization (and, for most, one of its projects), addressed
by id: the reads and writes every scoped resource (deliverables, incidents, staffing,
clients, skills, invoices, milestones, consultants' details, ...) shares.

A row is reached only through its own organization and project: named under another
project it is missing, never someone else's. Lists are keyset pages
(store/pagination.py) over one column, then the primary key. `update_row` and
`delete_row` are the writes of any loaded row, scoped or not.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from .models.base import Base
from .pagination import fetch_page

R = TypeVar("R", bound=Base)
T = TypeVar("T")


async def insert_row(session: AsyncSession, row: T) -> T:
    """`row` added and flushed: its defaults and id are known."""
    session.add(row)
    await session.flush()
    return row


async def update_where(session: AsyncSession, model: type[Any], *where: Any, **values: Any) -> int:
    """UPDATE `model` SET `values` WHERE `where`, without loading the rows (those already
    in the session keep their attributes until refreshed); how many rows changed."""
    stmt = update(model).where(*where).values(**values)
    result = await session.execute(stmt.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0))


async def delete_where(session: AsyncSession, model: type[Any], *where: Any) -> int:
    """DELETE FROM `model` WHERE `where`, without loading the rows (nor evicting those
    already in the session); how many rows went."""
    stmt = delete(model).where(*where).execution_options(synchronize_session=False)
    return int(getattr(await session.execute(stmt), "rowcount", 0) or 0)


async def set_once(
    session: AsyncSession, model: type[Any], row_id: uuid.UUID, column: str, value: Any, *where: Any
) -> bool:
    """Set `column` of the row `row_id` to `value` only while it is NULL (and `where`
    holds), atomically: False when another transaction set it first (single use)."""
    where = (model.id == row_id, getattr(model, column).is_(None), *where)
    return await update_where(session, model, *where, **{column: value}) == 1


async def update_row(session: AsyncSession, row: T, values: Mapping[str, Any]) -> T:
    for key, value in values.items():
        setattr(row, key, value)
    await session.flush()
    return row


async def delete_row(session: AsyncSession, row: object) -> None:
    await session.delete(row)
    await session.flush()


class Scoped(Generic[R]):
    """The table of `model`, rows of (`organization_id`, `projet_id`), or of
    `organization_id` alone when not `by_project`; a row's id is `key` (default `id`;
    a consultant's details are addressed by their `profile_id`). Lists go by `first`, a
    column and the type of its values (default: `created_at`, oldest first), then `id`."""

    def __init__(
        self,
        model: type[R],
        first: tuple[InstrumentedAttribute[Any], type] | None = None,
        *,
        descending: bool = False,
        by_project: bool = True,
        key: InstrumentedAttribute[Any] | None = None,
    ) -> None:
        columns: Any = model
        column, kind = first or (columns.created_at, datetime)
        self.model = model
        self.order = [column, columns.id]
        self.kinds = [kind, uuid.UUID]
        self.descending = descending
        self.by_project = by_project
        self._org: Any = model.organization_id  # type: ignore[attr-defined]
        self._project: Any = model.projet_id if by_project else None  # type: ignore[attr-defined]
        self._id: Any = key if key is not None else model.id  # type: ignore[attr-defined]

    def _scope(self, org_id: uuid.UUID, project_id: uuid.UUID | None) -> list[Any]:
        assert (project_id is not None) == self.by_project, "scope by organization and project"
        where = [self._org == org_id]
        if project_id is not None:
            where.append(self._project == project_id)
        return where

    def where(self, org_id: uuid.UUID, project_id: uuid.UUID | None, *where: Any) -> Select[R]:
        """SELECT the scope's rows for which every `where` clause holds."""
        return select(self.model).where(*self._scope(org_id, project_id), *where)

    async def get(
        self,
        session: AsyncSession,
        *,
        org_id: uuid.UUID,
        project_id: uuid.UUID | None = None,
        row_id: uuid.UUID,
        for_update: bool = False,
    ) -> R | None:
        """The row, locked until the transaction ends (and re-read) with `for_update`."""
        stmt = self.where(org_id, project_id, self._id == row_id)
        if for_update:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return await session.scalar(stmt)

    async def taken(
        self,
        session: AsyncSession,
        org_id: uuid.UUID,
        match: ColumnElement[bool],
        except_id: uuid.UUID | None = None,
    ) -> bool:
        """Whether a row of the organization, other than `except_id`, matches: a name or
        number that must stay unique."""
        stmt = exists().where(self._org == org_id, match)
        if except_id is not None:
            stmt = stmt.where(self._id != except_id)
        return bool(await session.scalar(select(stmt)))

    async def update_versioned(
        self,
        session: AsyncSession,
        org_id: uuid.UUID,
        row_id: uuid.UUID,
        values: Mapping[str, Any],
        expected_version: int | None = None,
    ) -> R | None:
        """Compare-and-set: apply `values` and increment `version`, only while the version
        is still `expected_version` (when given). The row as stored now, locked; None when
        no row matched: it is gone or was changed since (the caller's 412)."""
        model: Any = self.model
        where = [self._org == org_id, self._id == row_id]
        if expected_version is not None:
            where.append(model.version == expected_version)
        if await update_where(session, model, *where, **values, version=model.version + 1) != 1:
            return None
        return await self.get(session, org_id=org_id, row_id=row_id, for_update=True)

    async def lock(
        self, session: AsyncSession, *, org_id: uuid.UUID, row_ids: Iterable[uuid.UUID]
    ) -> list[R]:
        """The organization's rows among `row_ids`, locked in id order (a fixed order, so
        two transactions locking overlapping sets cannot deadlock) and re-read once the
        locks are granted."""
        ids = sorted(set(row_ids))
        if not ids:
            return []
        stmt = (
            select(self.model)
            .where(self._org == org_id, self._id.in_(ids))
            .order_by(self._id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return list(await session.scalars(stmt))

    async def page(
        self,
        session: AsyncSession,
        *,
        org_id: uuid.UUID,
        project_id: uuid.UUID | None = None,
        cursor: str | None,
        limit: int,
        filters: Mapping[str, Any] | None = None,
        where: Sequence[ColumnElement[bool]] = (),
    ) -> tuple[list[R], str | None]:
        """A page of the scope's rows; each filter (column name -> value) applies unless
        its value is None, each `where` clause always."""
        stmt = self.where(org_id, project_id, *where)
        for name, value in (filters or {}).items():
            if value is not None:
                stmt = stmt.where(getattr(self.model, name) == value)
        kinds, descending = self.kinds, self.descending
        return await fetch_page(
            session, stmt, self.order, cursor, limit, kinds=kinds, descending=descending
        )

    async def create(
        self,
        session: AsyncSession,
        *,
        org_id: uuid.UUID,
        project_id: uuid.UUID | None = None,
        fields: Mapping[str, Any],
    ) -> R:
        self._scope(org_id, project_id)
        scope = {"projet_id": project_id} if project_id is not None else {}
        return await insert_row(session, self.model(organization_id=org_id, **scope, **fields))

    update = staticmethod(update_row)
    delete = staticmethod(delete_row)
