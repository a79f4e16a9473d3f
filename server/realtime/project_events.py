"""Socket.IO handlers of task and milestone writes: thin, the services do the work (and
the broadcasts to the project's room after commit), exactly as for REST."""

from __future__ import annotations

from collections.abc import Callable

from protocol import events
from protocol.errors import ErrorCode
from protocol.milestones import MilestoneOut
from protocol.project_events import (
    MilestoneUpdateRequest,
    TaskCreateRequest,
    TaskDeleteRequest,
    TaskMoveRequest,
    TaskUpdateRequest,
)
from protocol.tasks import TaskDeleted, TaskOut

from ..services import milestones, tasks
from ..services.core import Services
from .dispatch import Dispatcher, actor_of
from .session import SocketState

# A write can be refused, miss its target, or lose a race on `expected_version`.
WRITE = (
    ErrorCode.NOT_FOUND,
    ErrorCode.FORBIDDEN,
    ErrorCode.CONFLICT,
    ErrorCode.PRECONDITION_FAILED,
)


def setup(dispatcher: Dispatcher, services: Callable[[], Services]) -> None:
    @dispatcher.on(events.TASK_CREATE, TaskCreateRequest, errors=WRITE)
    async def on_create(state: SocketState, req: TaskCreateRequest) -> TaskOut:
        """Create a task; the project's subscribers hear `task:created`."""
        actor = actor_of(state)
        return await tasks.create_task(
            services(), actor, req.organization_id, req.projet_id, req.task
        )

    @dispatcher.on(events.TASK_UPDATE, TaskUpdateRequest, errors=WRITE)
    async def on_update(state: SocketState, req: TaskUpdateRequest) -> TaskOut:
        """Change a task's fields (optionally at `expected_version`); subscribers hear
        `task:updated`."""
        return await tasks.update_task(
            services(),
            actor_of(state),
            req.organization_id,
            req.task_id,
            req.changes,
            req.expected_version,
        )

    @dispatcher.on(events.TASK_MOVE, TaskMoveRequest, errors=WRITE)
    async def on_move(state: SocketState, req: TaskMoveRequest) -> TaskOut:
        """Move a task to another Kanban column or position; subscribers hear
        `task:updated`."""
        return await tasks.move_task(
            services(),
            actor_of(state),
            req.organization_id,
            req.task_id,
            req.move,
            req.expected_version,
        )

    @dispatcher.on(events.TASK_DELETE, TaskDeleteRequest, errors=WRITE)
    async def on_delete(state: SocketState, req: TaskDeleteRequest) -> TaskDeleted:
        """Delete a task; subscribers hear `task:deleted`."""
        return await tasks.delete_task(
            services(), actor_of(state), req.organization_id, req.task_id
        )

    @dispatcher.on(events.MILESTONE_UPDATE, MilestoneUpdateRequest, errors=WRITE)
    async def on_milestone_update(state: SocketState, req: MilestoneUpdateRequest) -> MilestoneOut:
        """Change a milestone; subscribers hear `milestone:updated`."""
        return await milestones.update_milestone(
            services(),
            actor_of(state),
            req.organization_id,
            req.milestone_id,
            req.changes,
            req.expected_version,
        )
