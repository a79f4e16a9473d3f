"""Where a task goes on the board: rank keys between neighbours, and the neighbours a
move names.

Callers hold the target column's lock (`store.tasks.lock_column`), so the neighbours read
here stay neighbours until the transaction commits. See docs/kanban.md.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from protocol.errors import FieldError
from protocol.tasks import TaskMove
from store import ranks
from store import tasks as store
from store.models import Projet, Tache

from ..core import refuse
from .projects import unless


async def rank_between(
    session: AsyncSession,
    project: Projet,
    statut: str,
    moving_id: uuid.UUID | None,
    lower: Tache | None,
    upper: Tache | None,
) -> str:
    """A rank between two adjacent tasks of the column (None: its start or end). When
    none fits in `MAX_LENGTH` characters (or the two share a rank), the column's other
    tasks are first given evenly spaced ranks, in their current order."""
    try:
        rank = ranks.between(lower.rank if lower else None, upper.rank if upper else None)
        if len(rank) <= ranks.MAX_LENGTH:
            return rank
    except ranks.RankError:
        pass
    ids = await store.column_ids(session, project, statut, exclude_id=moving_id)
    spread = dict(zip(ids, ranks.spread(len(ids)), strict=True))
    await store.set_ranks(session, org_id=project.organization_id, ranks=list(spread.items()))
    return ranks.between(spread[lower.id] if lower else None, spread[upper.id] if upper else None)


async def end_of_column(
    session: AsyncSession, project: Projet, statut: str, moving_id: uuid.UUID | None
) -> str:
    last = await store.neighbour(
        session, project, statut, of=None, below=False, exclude_id=moving_id
    )
    return await rank_between(session, project, statut, moving_id, last, None)


async def move_bounds(
    session: AsyncSession, project: Projet, task: Tache, req: TaskMove
) -> tuple[Tache | None, Tache | None]:
    """The two tasks the moved one goes between (None: the column's start or end),
    adjacent in the column once the moved task is left out."""
    statut = req.statut.value
    anchors: dict[str, Tache | None] = {}
    errors: list[FieldError | None] = []
    for field, anchor_id in (("after_id", req.after_id), ("before_id", req.before_id)):
        found = None
        if anchor_id is not None and anchor_id != task.id:
            found = await store.column_task(session, project, statut, anchor_id)
        msg = f"must be another task of this project in column {statut}"
        errors.append(unless(anchor_id is None or found, field, msg))
        anchors[field] = found
    after, before = anchors["after_id"], anchors["before_id"]
    ordered = after is None or before is None or (after.rank, after.id) < (before.rank, before.id)
    errors.append(unless(ordered, "before_id", "must come after after_id"))
    refuse(errors)

    async def beside(of: Tache | None, below: bool) -> Tache | None:
        return await store.neighbour(
            session, project, statut, of=of, below=below, exclude_id=task.id
        )

    if after is not None:
        return after, await beside(after, below=True)
    if before is not None:
        return await beside(before, below=False), before
    return await beside(None, below=False), None


def in_place(task: Tache, statut: str, lower: Tache | None, upper: Tache | None) -> bool:
    key = (task.rank, task.id)
    return (
        task.statut == statut
        and (lower is None or (lower.rank, lower.id) < key)
        and (upper is None or key < (upper.rank, upper.id))
    )
