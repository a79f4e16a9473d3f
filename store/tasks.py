"""Tasks (`tache`) and their board order.

A column is the tasks of one project with one `statut`, ordered by `(rank, id)`: `rank`
is a key of `store.ranks` and `id` breaks ties, so the order is total even if two tasks
ever share a rank. A task's position is its index in that order, computed when reading
(`position` the column keeps is not maintained). Rank writes in a column happen under
`lock_column`, which the service takes first.
"""

from __future__ import annotations

import uuid
from collections import namedtuple
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, bindparam, case, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from protocol.enums import TaskStatus
from protocol.tasks import TaskQuery

from .db import advisory_lock, array_contains
from .models import Projet, Tache
from .pagination import page_stmt, split_page
from .scoped import Scoped, update_where

# A project's tasks, addressed through their organization (lists go in board order).
table = Scoped(Tache, by_project=False)

COLUMNS = list(TaskStatus)
# Board order of the columns, as a sortable integer.
column_index = case(
    {status.value: i for i, status in enumerate(COLUMNS)}, value=Tache.statut, else_=len(COLUMNS)
)


async def lock_column(session: AsyncSession, *, project_id: uuid.UUID, statut: str) -> None:
    """Serialize every rank write in one column until the transaction ends, so a move
    computes its key from neighbours no concurrent move is changing (on SQLite, write
    transactions already run one at a time)."""
    await advisory_lock(session, f"board:{project_id}:{statut}")


async def get_task(
    session: AsyncSession, *, org_id: uuid.UUID, task_id: uuid.UUID, for_update: bool = False
) -> Tache | None:
    stmt = select(Tache).where(Tache.organization_id == org_id, Tache.id == task_id)
    if for_update:
        stmt = stmt.with_for_update()
    # Always the row as stored now: a compare-and-set may have changed it in this session.
    return await session.scalar(stmt.execution_options(populate_existing=True))


def _in_column(org_id: uuid.UUID, project_id: uuid.UUID, statut: str) -> list[Any]:
    return [
        Tache.organization_id == org_id,
        Tache.projet_id == project_id,
        Tache.statut == statut,
    ]


async def position_of(session: AsyncSession, task: Tache) -> int:
    """How many tasks come before `task` in its column."""
    count = await session.scalar(
        select(func.count())
        .select_from(Tache)
        .where(
            *_in_column(task.organization_id, task.projet_id, task.statut),
            tuple_(Tache.rank, Tache.id) < tuple_(task.rank, task.id),
        )
    )
    return int(count or 0)


async def list_tasks(
    session: AsyncSession, *, org_id: uuid.UUID, project_id: uuid.UUID, query: TaskQuery
) -> tuple[list[tuple[Tache, int]], str | None]:
    """Board order (column, then rank), each task with its position in its whole column
    (the query's filters do not renumber)."""
    scope = (Tache.organization_id == org_id, Tache.projet_id == project_id)
    position = func.row_number().over(partition_by=Tache.statut, order_by=(Tache.rank, Tache.id))
    positions = (
        select(Tache.id.label("task_id"), (position - 1).label("position")).where(*scope).subquery()
    )
    stmt = (
        select(Tache, positions.c.position)
        .join(positions, positions.c.task_id == Tache.id)
        .where(*scope)
    )
    for name in ("statut", "profile_responsable_id", "priority"):
        if getattr(query, name) is not None:
            stmt = stmt.where(getattr(Tache, name) == getattr(query, name))
    if query.tag is not None:
        stmt = stmt.where(array_contains(session, Tache.tags, query.tag))
    columns = [column_index, Tache.rank, Tache.id]
    stmt = page_stmt(stmt, columns, [int, str, uuid.UUID], cursor=query.cursor, limit=query.limit)
    rows = [(task, int(position)) for task, position in await session.execute(stmt)]
    return split_page(
        rows, query.limit, lambda row: (COLUMNS.index(row[0].statut), row[0].rank, row[0].id)
    )


# What a board shows of each task (every column but the unmaintained `position`): read
# as plain rows, with the same attribute names as the model. A board is hundreds of tasks
# read and never written, and building an ORM instance (identity map, state tracking)
# for each was most of its cost.
_BOARD_FIELDS: tuple[Any, ...] = tuple(c for c in Tache.__table__.c if c.key != "position")


# Read into named tuples: a SQLAlchemy Row's attribute access costs ~2 us, and a board
# reads seventeen per task.
BoardLine = namedtuple("BoardLine", [field.key for field in _BOARD_FIELDS])  # type: ignore[misc]

_BOARD = (
    select(*_BOARD_FIELDS)
    .where(Tache.organization_id == bindparam("org_id"), Tache.projet_id == bindparam("project_id"))
    .order_by(column_index, Tache.rank, Tache.id)
)


async def board_tasks(
    session: AsyncSession, *, org_id: uuid.UUID, project_id: uuid.UUID
) -> list[Any]:
    """Every task of the project in board order, as read-only `BoardLine`s."""
    result = await session.execute(_BOARD, {"org_id": org_id, "project_id": project_id})
    return [BoardLine(*row) for row in result]


async def column_task(
    session: AsyncSession, project: Projet, statut: str, task_id: uuid.UUID
) -> Tache | None:
    """`task_id` if it is in that column of that project."""
    return await session.scalar(
        select(Tache)
        .where(*_in_column(project.organization_id, project.id, statut), Tache.id == task_id)
        .execution_options(populate_existing=True)
    )


def _others(project: Projet, statut: str, exclude_id: uuid.UUID | None) -> Select[Tache]:
    stmt = select(Tache).where(*_in_column(project.organization_id, project.id, statut))
    return stmt if exclude_id is None else stmt.where(Tache.id != exclude_id)


async def neighbour(
    session: AsyncSession,
    project: Projet,
    statut: str,
    *,
    of: Tache | None,
    below: bool,
    exclude_id: uuid.UUID | None = None,
) -> Tache | None:
    """The task right after (`below`) or right before `of` in the column, `exclude_id`
    left out; with `of` None, the column's first (`below`) or last task."""
    stmt = _others(project, statut, exclude_id)
    key = tuple_(Tache.rank, Tache.id)
    if of is not None:
        bound = tuple_(of.rank, of.id)
        stmt = stmt.where(key > bound if below else key < bound)
    order = [Tache.rank, Tache.id] if below else [Tache.rank.desc(), Tache.id.desc()]
    stmt = stmt.order_by(*order).limit(1).execution_options(populate_existing=True)
    return await session.scalar(stmt)


async def column_ids(
    session: AsyncSession, project: Projet, statut: str, exclude_id: uuid.UUID | None = None
) -> list[uuid.UUID]:
    """The column's task ids in board order."""
    stmt = _others(project, statut, exclude_id).with_only_columns(Tache.id)
    return list(await session.scalars(stmt.order_by(Tache.rank, Tache.id)))


async def set_ranks(
    session: AsyncSession, *, org_id: uuid.UUID, ranks: Sequence[tuple[uuid.UUID, str]]
) -> None:
    """Rewrite the ranks of a column (a rebalance). Positions do not change, so neither
    does any task's `version`."""
    for task_id, rank in ranks:
        await update_where(
            session, Tache, Tache.organization_id == org_id, Tache.id == task_id, rank=rank
        )
