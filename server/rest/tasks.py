"""Kanban tasks: `/api/v1/orgs/{org}/projects/{id}/tasks`, `.../board`,
`/api/v1/orgs/{org}/tasks/{id}` and `.../move`. A task answers its version as `ETag`."""

from __future__ import annotations

from aiohttp import web

from protocol.common import Page
from protocol.tasks import BoardOut, TaskCreate, TaskMove, TaskOut, TaskPatch, TaskQuery

from ..services.projects import tasks
from .resource import Op, Serve

routes = web.RouteTableDef()
serve = Serve(routes, tags=["tasks"])

PROJECT = "/api/v1/orgs/{org}/projects/{id}"
TASK = "/api/v1/orgs/{org}/tasks/{id}"

serve.get(
    PROJECT + "/tasks",
    Op(
        "Tasks of a project, in board order",
        [404],
        doc="""Filters: `statut`, `profile_responsable_id`, `priority`, `tag`. `position` is the
        task's index in its whole column, whatever the filters.""",
        call=tasks.list_tasks,
    ),
    query=TaskQuery,
    out=Page[TaskOut],
)
serve.post(
    PROJECT + "/tasks",
    Op(
        "Create a task at the end of its column",
        [403, 404],
        doc="Managers and above, the project lead and consultants staffed on the project.",
        call=tasks.create_task,
    ),
    body=TaskCreate,
    out=TaskOut,
    status=201,
    etag=True,
)
serve.get(
    PROJECT + "/board",
    Op(
        "The Kanban board of a project",
        [404],
        doc="Columns TODO, IN_PROGRESS, IN_REVIEW, DONE, each with its tasks in order.",
        call=tasks.get_board,
    ),
    out=BoardOut,
)
serve.get(
    TASK, Op("A task (ETag: its version)", [404], call=tasks.get_task), out=TaskOut, etag=True
)
serve.patch(
    TASK,
    Op(
        "Update a task",
        [403, 404, 412],
        doc="""With `If-Match`, applied only if the task is still at that version (412
        otherwise); without it, last write wins. A new `statut` puts the task at the end of
        that column.""",
        call=tasks.update_task,
    ),
    body=TaskPatch,
    out=TaskOut,
    etag=True,
    if_match=True,
    name="patch_task",
)
serve.delete(TASK, Op("Delete a task", [403, 404], call=tasks.delete_task))
serve.post(
    TASK + "/move",
    Op(
        "Move a task on the board",
        [403, 404, 412],
        doc="""Into column `statut`: right after `after_id`, right before `before_id`, or at the
        end with neither. Only the moved task is rewritten; its new `position` is in the
        answer. `If-Match` is honoured as for PATCH.""",
        call=tasks.move_task,
    ),
    body=TaskMove,
    out=TaskOut,
    etag=True,
    if_match=True,
)
