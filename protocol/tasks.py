"""Kanban tasks, the board and moves.

Board order: a column holds the tasks of one `statut`, ordered by a hidden rank key (ties
broken by id). `position` in every task representation is the task's 0-based index in
its column at the time of reading; it is computed, never stored by clients. To reorder,
`POST .../move` names the column and the neighbours: `after_id` is the task it goes right
after, `before_id` the task it goes right before; with neither it goes to the end of the
column. New tasks go to the end of their column. See docs/kanban.md.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from .common import Day, ListQuery, Name, NotNull, Patch, Request, ShortText
from .enums import TaskPriority, TaskStatus

HexColor = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Workload = Annotated[Decimal, Field(ge=0, max_digits=8, decimal_places=2)]


def _dedupe(tags: list[str]) -> list[str]:
    """Each tag once, in the order first given."""
    return list(dict.fromkeys(tags))


Tags = Annotated[list[Tag], Field(max_length=20), AfterValidator(_dedupe)]


class TaskCreate(Request):
    """`profile_responsable_id` is a member of the organization; `livrable_id` a
    deliverable of the same project. The task goes to the end of its column."""

    nom: Name
    description: ShortText | None = None
    statut: TaskStatus = TaskStatus.TODO
    priority: TaskPriority = TaskPriority.MEDIUM
    profile_responsable_id: uuid.UUID | None = None
    livrable_id: uuid.UUID | None = None
    charge_estimee_jh: Workload | None = None
    date_fin_cible: Day | None = None
    color: HexColor | None = None
    tags: Tags = Field(default_factory=list)


class TaskPatch(Patch):
    """Changing `statut` here moves the task to the end of that column; use
    `POST .../move` to choose its place."""

    nom: NotNull[Name] = None
    description: ShortText | None = None
    statut: NotNull[TaskStatus] = None
    priority: NotNull[TaskPriority] = None
    profile_responsable_id: uuid.UUID | None = None
    livrable_id: uuid.UUID | None = None
    charge_estimee_jh: Workload | None = None
    date_fin_cible: Day | None = None
    color: HexColor | None = None
    tags: NotNull[Tags] = None


class TaskMove(Request):
    """Place the task in column `statut`: right after `after_id`, or right before
    `before_id`, or at the end with neither. Both may be given (the neighbours the client
    saw); if another task has since landed between them, the task goes right after
    `after_id`. Neighbours must be other tasks of the same project in that column."""

    statut: TaskStatus
    after_id: uuid.UUID | None = None
    before_id: uuid.UUID | None = None


class TaskQuery(ListQuery):
    statut: TaskStatus | None = None
    profile_responsable_id: uuid.UUID | None = None
    priority: TaskPriority | None = None
    tag: Tag | None = None


class TaskOut(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    projet_id: uuid.UUID
    livrable_id: uuid.UUID | None
    profile_responsable_id: uuid.UUID | None
    nom: str
    description: str | None
    statut: TaskStatus
    priority: TaskPriority | None
    # 0-based index in its column (board order), computed when read.
    position: int
    charge_estimee_jh: float | None
    date_fin_cible: date | None
    color: str | None
    tags: list[str]
    version: int
    created_at: datetime
    updated_at: datetime


class TaskDeleted(BaseModel):
    id: uuid.UUID
    projet_id: uuid.UUID


class BoardColumn(BaseModel):
    statut: TaskStatus
    tasks: list[TaskOut]


class BoardOut(BaseModel):
    """Every column, in order TODO, IN_PROGRESS, IN_REVIEW, DONE, even when empty."""

    projet_id: uuid.UUID
    columns: list[BoardColumn]
