"""Socket.IO requests that change a project's board: the same writes as the REST routes
of tasks and milestones, for clients that hold a socket open anyway.

Each names the organization (as REST does in its path). `expected_version` plays the part
of REST's `If-Match`: when given, the write applies only if the resource is still at that
version (`precondition_failed` otherwise); without it, the last write wins. The ack
carries what the REST route answers; subscribers of the project hear the change as they
do for REST (`task:created`, `task:updated`, `task:deleted`, `milestone:updated`).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import Field

from .common import Request
from .milestones import MilestonePatch
from .tasks import TaskCreate, TaskMove, TaskPatch

Version = Annotated[int, Field(ge=1)]


class TaskCreateRequest(Request):
    organization_id: uuid.UUID
    projet_id: uuid.UUID
    task: TaskCreate


class TaskUpdateRequest(Request):
    organization_id: uuid.UUID
    task_id: uuid.UUID
    expected_version: Version | None = None
    changes: TaskPatch


class TaskMoveRequest(Request):
    organization_id: uuid.UUID
    task_id: uuid.UUID
    expected_version: Version | None = None
    move: TaskMove


class TaskDeleteRequest(Request):
    organization_id: uuid.UUID
    task_id: uuid.UUID


class MilestoneUpdateRequest(Request):
    organization_id: uuid.UUID
    milestone_id: uuid.UUID
    expected_version: Version | None = None
    changes: MilestonePatch
