"""Kanban tasks: `/api/v1/orgs/{org}/projects/{id}/tasks`, `.../board`,
`/api/v1/orgs/{org}/tasks/{id}` and `.../move`."""

from __future__ import annotations

from aiohttp import web

from protocol.common import Page
from protocol.tasks import BoardOut, TaskCreate, TaskMove, TaskOut, TaskPatch, TaskQuery

from ..services.projects import tasks
from .context import Context, handler
from .etag import etag_headers, expected_version
from .json import json_response, parse_body, parse_query, path_uuid
from .openapi import api
from .resource import IF_MATCH

routes = web.RouteTableDef()

PROJECT = "/api/v1/orgs/{org}/projects/{id}"
TASK = "/api/v1/orgs/{org}/tasks/{id}"
TAGS = ["tasks"]


def _task(out: TaskOut, status: int = 200) -> web.Response:
    return json_response(out, status=status, headers=etag_headers(out.version))


@routes.get(PROJECT + "/tasks")
@api(
    "Tasks of a project, in board order",
    tags=TAGS,
    query=TaskQuery,
    response=Page[TaskOut],
    errors=[404],
)
@handler
async def list_tasks(request: web.Request, ctx: Context) -> web.Response:
    """Filters: `statut`, `profile_responsable_id`, `priority`, `tag`. `position` is the
    task's index in its whole column, whatever the filters."""
    project_id = path_uuid(request, "id")
    query = parse_query(request, TaskQuery)
    out = await tasks.list_tasks(ctx.svc, ctx.caller, ctx.org_id, project_id, query)
    return json_response(out)


@routes.post(PROJECT + "/tasks")
@api(
    "Create a task at the end of its column",
    tags=TAGS,
    body=TaskCreate,
    response=TaskOut,
    status=201,
    errors=[403, 404],
)
@handler
async def create_task(request: web.Request, ctx: Context) -> web.Response:
    """Managers and above, the project lead and consultants staffed on the project."""
    project_id = path_uuid(request, "id")
    req = await parse_body(request, TaskCreate)
    out = await tasks.create_task(ctx.svc, ctx.caller, ctx.org_id, project_id, req)
    return _task(out, status=201)


@routes.get(PROJECT + "/board")
@api("The Kanban board of a project", tags=TAGS, response=BoardOut, errors=[404])
@handler
async def get_board(request: web.Request, ctx: Context) -> web.Response:
    """Columns TODO, IN_PROGRESS, IN_REVIEW, DONE, each with its tasks in order."""
    project_id = path_uuid(request, "id")
    return json_response(await tasks.get_board(ctx.svc, ctx.caller, ctx.org_id, project_id))


@routes.get(TASK)
@api("A task (ETag: its version)", tags=TAGS, response=TaskOut, errors=[404])
@handler
async def get_task(request: web.Request, ctx: Context) -> web.Response:
    task_id = path_uuid(request, "id")
    return _task(await tasks.get_task(ctx.svc, ctx.caller, ctx.org_id, task_id))


@routes.patch(TASK)
@api(
    "Update a task",
    tags=TAGS,
    body=TaskPatch,
    response=TaskOut,
    errors=[403, 404, 412],
    headers=IF_MATCH,
)
@handler
async def patch_task(request: web.Request, ctx: Context) -> web.Response:
    """With `If-Match`, applied only if the task is still at that version (412
    otherwise); without it, last write wins. A new `statut` puts the task at the end of
    that column."""
    task_id = path_uuid(request, "id")
    version = expected_version(request)
    patch = await parse_body(request, TaskPatch)
    out = await tasks.update_task(ctx.svc, ctx.caller, ctx.org_id, task_id, patch, version)
    return _task(out)


@routes.delete(TASK)
@api("Delete a task", tags=TAGS, status=204, errors=[403, 404])
@handler
async def delete_task(request: web.Request, ctx: Context) -> web.Response:
    task_id = path_uuid(request, "id")
    await tasks.delete_task(ctx.svc, ctx.caller, ctx.org_id, task_id)
    return web.Response(status=204)


@routes.post(TASK + "/move")
@api(
    "Move a task on the board",
    tags=TAGS,
    body=TaskMove,
    response=TaskOut,
    errors=[403, 404, 412],
    headers=IF_MATCH,
)
@handler
async def move_task(request: web.Request, ctx: Context) -> web.Response:
    """Into column `statut`: right after `after_id`, right before `before_id`, or at the
    end with neither. Only the moved task is rewritten; its new `position` is in the
    answer. `If-Match` is honoured as for PATCH."""
    task_id = path_uuid(request, "id")
    version = expected_version(request)
    req = await parse_body(request, TaskMove)
    out = await tasks.move_task(ctx.svc, ctx.caller, ctx.org_id, task_id, req, version)
    return _task(out)
