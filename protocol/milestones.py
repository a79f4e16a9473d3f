"""Milestones: their fields, task links (weights), dependencies and assigned people.

Progress in `auto` mode is computed by the server: sum(weight of DONE tasks) /
sum(weights) x 100, rounded down to an integer (0 with no linked task). A client may set
`progress_percentage` only in `manual` mode; sending it for an `auto` milestone is a 422
rather than silently ignored, so a client never believes it stored a value it did not.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from .common import Day, ListQuery, Name, NotNull, Patch, Request, ShortText
from .enums import MilestonePriority, MilestoneStatus, ProgressMode

HexColor = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]
Percentage = Annotated[int, Field(ge=0, le=100)]
Weight = Annotated[int, Field(ge=1, le=1_000_000)]
RoleText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class MilestoneCreate(Request):
    """`projet_id` null makes an organization-level milestone."""

    name: Name
    description: ShortText | None = None
    projet_id: uuid.UUID | None = None
    start_date: Day
    due_date: Day
    status: MilestoneStatus = MilestoneStatus.NOT_STARTED
    priority: MilestonePriority = MilestonePriority.MEDIUM
    color: HexColor | None = None
    progress_mode: ProgressMode = ProgressMode.AUTO
    progress_percentage: Percentage | None = None


class MilestonePatch(Patch):
    """A milestone never moves between projects: `projet_id` is not patchable."""

    name: NotNull[Name] = None
    description: ShortText | None = None
    start_date: NotNull[Day] = None
    due_date: NotNull[Day] = None
    status: NotNull[MilestoneStatus] = None
    priority: NotNull[MilestonePriority] = None
    color: HexColor | None = None
    progress_mode: NotNull[ProgressMode] = None
    progress_percentage: NotNull[Percentage] = None


class MilestoneQuery(ListQuery):
    """`?projet_id=` keeps the milestones of one project."""

    projet_id: uuid.UUID | None = None


class MilestoneTaskLink(Request):
    weight: Weight = 1


class LinkedTaskOut(BaseModel):
    task_id: uuid.UUID
    weight: int


class MilestoneOut(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    projet_id: uuid.UUID | None
    name: str
    description: str | None
    start_date: date
    due_date: date
    status: MilestoneStatus
    priority: MilestonePriority | None
    color: str | None
    progress_mode: ProgressMode
    progress_percentage: int
    created_by: uuid.UUID | None
    version: int
    created_at: datetime
    updated_at: datetime
    # Linked tasks (with weights) and the milestones this one depends on.
    tasks: list[LinkedTaskOut]
    depends_on: list[uuid.UUID]


class MilestoneDeleted(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    projet_id: uuid.UUID | None


class MilestoneAssignmentCreate(Request):
    profile_id: uuid.UUID
    role: RoleText | None = None


class MilestoneAssignmentOut(BaseModel):
    id: uuid.UUID
    milestone_id: uuid.UUID
    profile_id: uuid.UUID
    role: str | None
    created_at: datetime
