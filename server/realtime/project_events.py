"""Socket.IO handlers of task and milestone writes: thin, the services do the work (and
the broadcasts to the project's room after commit), exactly as for REST."""

from __future__ import annotations

from collections.abc import Callable

from protocol import events
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


def setup(dispatcher: Dispatcher, services: Callable[[], Services]) -> None:
    @dispatcher.on(events.TASK_CREATE, TaskCreateRequest)
    async def on_create(state: SocketState, req: TaskCreateRequest) -> TaskOut:
        actor = actor_of(state)
        return await tasks.create_task(
            services(), actor, req.organization_id, req.projet_id, req.task
        )

    @dispatcher.on(events.TASK_UPDATE, TaskUpdateRequest)
    async def on_update(state: SocketState, req: TaskUpdateRequest) -> TaskOut:
        return await tasks.update_task(
            services(),
            actor_of(state),
            req.organization_id,
            req.task_id,
            req.changes,
            req.expected_version,
        )

    @dispatcher.on(events.TASK_MOVE, TaskMoveRequest)
    async def on_move(state: SocketState, req: TaskMoveRequest) -> TaskOut:
        return await tasks.move_task(
            services(),
            actor_of(state),
            req.organization_id,
            req.task_id,
            req.move,
            req.expected_version,
        )

    @dispatcher.on(events.TASK_DELETE, TaskDeleteRequest)
    async def on_delete(state: SocketState, req: TaskDeleteRequest) -> TaskDeleted:
        return await tasks.delete_task(
            services(), actor_of(state), req.organization_id, req.task_id
        )

    @dispatcher.on(events.MILESTONE_UPDATE, MilestoneUpdateRequest)
    async def on_milestone_update(state: SocketState, req: MilestoneUpdateRequest) -> MilestoneOut:
        return await milestones.update_milestone(
            services(),
            actor_of(state),
            req.organization_id,
            req.milestone_id,
            req.changes,
            req.expected_version,
        )
