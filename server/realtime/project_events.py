"""Socket.IO handlers of task and milestone writes: thin, the services do the work (and
the broadcasts to the project's room after commit), exactly as for REST."""

from __future__ import annotations

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

from ..services.projects import milestones, tasks
from .dispatch import Event, EventTable

# A write can be refused, miss its target, or lose a race on `expected_version`.
WRITE = (
    ErrorCode.NOT_FOUND,
    ErrorCode.FORBIDDEN,
    ErrorCode.CONFLICT,
    ErrorCode.PRECONDITION_FAILED,
)


handlers = EventTable()


@handlers.on(events.TASK_CREATE, TaskCreateRequest, errors=WRITE)
async def on_create(ev: Event, req: TaskCreateRequest) -> TaskOut:
    """Create a task; the project's subscribers hear `task:created`."""
    return await tasks.create_task(ev.svc, ev.actor, req.organization_id, req.projet_id, req.task)


@handlers.on(events.TASK_UPDATE, TaskUpdateRequest, errors=WRITE)
async def on_update(ev: Event, req: TaskUpdateRequest) -> TaskOut:
    """Change a task's fields (optionally at `expected_version`); subscribers hear
    `task:updated`."""
    return await tasks.update_task(
        ev.svc, ev.actor, req.organization_id, req.task_id, req.changes, req.expected_version
    )


@handlers.on(events.TASK_MOVE, TaskMoveRequest, errors=WRITE)
async def on_move(ev: Event, req: TaskMoveRequest) -> TaskOut:
    """Move a task to another Kanban column or position; subscribers hear
    `task:updated`."""
    return await tasks.move_task(
        ev.svc, ev.actor, req.organization_id, req.task_id, req.move, req.expected_version
    )


@handlers.on(events.TASK_DELETE, TaskDeleteRequest, errors=WRITE)
async def on_delete(ev: Event, req: TaskDeleteRequest) -> TaskDeleted:
    """Delete a task; subscribers hear `task:deleted`."""
    return await tasks.delete_task(ev.svc, ev.actor, req.organization_id, req.task_id)


@handlers.on(events.MILESTONE_UPDATE, MilestoneUpdateRequest, errors=WRITE)
async def on_milestone_update(ev: Event, req: MilestoneUpdateRequest) -> MilestoneOut:
    """Change a milestone; subscribers hear `milestone:updated`."""
    return await milestones.update_milestone(
        ev.svc, ev.actor, req.organization_id, req.milestone_id, req.changes, req.expected_version
    )
