"""`/api/v1/orgs/{org}/milestones[/{id}]`, their task links, dependencies and people."""

from __future__ import annotations

from aiohttp import web

from protocol.common import ListQuery, Page
from protocol.milestones import (
    MilestoneAssignmentCreate,
    MilestoneAssignmentOut,
    MilestoneCreate,
    MilestoneOut,
    MilestonePatch,
    MilestoneQuery,
    MilestoneTaskLink,
)

from ..services.projects import milestone_links, milestones
from .context import Context, handler
from .etag import etag_headers
from .json import json_response, parse_body, parse_query, path_uuid, read_body
from .openapi import api
from .resource import Op, Rest, mount

routes = web.RouteTableDef()

BASE = "/api/v1/orgs/{org}/milestones"
TAGS = ["milestones"]


def _milestone(out: MilestoneOut, status: int = 200) -> web.Response:
    return json_response(out, status=status, headers=etag_headers(out.version))


MILESTONES = Rest(
    BASE,
    "milestone",
    MilestoneOut,
    tags=TAGS,
    query=MilestoneQuery,
    body=MilestoneCreate,
    patch_body=MilestonePatch,
    etag=True,
    page=Op("Milestones of an organization, by due date", call=milestones.list_milestones),
    create=Op(
        "Create a milestone",
        [403],
        doc="""Organization-level without `projet_id`. Progress is `auto` by default: computed
        from the linked tasks, so `progress_percentage` may be sent only in `manual` mode
        (422 otherwise).""",
        call=milestones.create_milestone,
    ),
    read=Op("A milestone (ETag: its version)", call=milestones.get_milestone),
    update=Op(
        "Update a milestone",
        [403, 409, 412],
        doc="""With `If-Match`, applied only if the milestone is still at that version (412
        otherwise); without it, last write wins. Each change increments `version`.""",
        call=milestones.update_milestone,
    ),
    delete=Op("Delete a milestone", [403], call=milestones.delete_milestone),
)
mount(routes, MILESTONES)


@routes.put(BASE + "/{id}/tasks/{task_id}")
@api(
    "Link a task to a milestone, or change its weight",
    tags=TAGS,
    body=MilestoneTaskLink,
    body_required=False,
    response=MilestoneOut,
    errors=[403, 404],
)
@handler
async def link_task(request: web.Request, ctx: Context) -> web.Response:
    """`weight` (default 1) counts the task in auto progress: sum(weight of DONE tasks) /
    sum(weights) x 100, rounded down. A project milestone takes only its project's tasks
    (422); the answer is the milestone with its progress recomputed."""
    milestone_id = path_uuid(request, "id")
    task_id = path_uuid(request, "task_id")
    raw = await read_body(request)
    req = await parse_body(request, MilestoneTaskLink) if raw else MilestoneTaskLink()
    out = await milestone_links.link_task(
        ctx.svc, ctx.caller, ctx.org_id, milestone_id, task_id, req
    )
    return _milestone(out)


@routes.delete(BASE + "/{id}/tasks/{task_id}")
@api("Unlink a task from a milestone", tags=TAGS, response=MilestoneOut, errors=[403, 404])
@handler
async def unlink_task(request: web.Request, ctx: Context) -> web.Response:
    milestone_id = path_uuid(request, "id")
    task_id = path_uuid(request, "task_id")
    out = await milestone_links.unlink_task(ctx.svc, ctx.caller, ctx.org_id, milestone_id, task_id)
    return _milestone(out)


@routes.put(BASE + "/{id}/dependencies/{other_id}")
@api("Make a milestone depend on another", tags=TAGS, response=MilestoneOut, errors=[403, 404, 409])
@handler
async def add_dependency(request: web.Request, ctx: Context) -> web.Response:
    """The milestone depends on `other_id`. Not on itself (422); a cycle is a 409 whose
    `details.cycle` lists it. Adding an existing dependency changes nothing."""
    milestone_id = path_uuid(request, "id")
    other_id = path_uuid(request, "other_id")
    out = await milestone_links.add_dependency(
        ctx.svc, ctx.caller, ctx.org_id, milestone_id, other_id
    )
    return _milestone(out)


@routes.delete(BASE + "/{id}/dependencies/{other_id}")
@api("Remove a dependency", tags=TAGS, response=MilestoneOut, errors=[403, 404])
@handler
async def remove_dependency(request: web.Request, ctx: Context) -> web.Response:
    milestone_id = path_uuid(request, "id")
    other_id = path_uuid(request, "other_id")
    out = await milestone_links.remove_dependency(
        ctx.svc, ctx.caller, ctx.org_id, milestone_id, other_id
    )
    return _milestone(out)


@routes.get(BASE + "/{id}/assignments")
@api(
    "People assigned to a milestone",
    tags=TAGS,
    query=ListQuery,
    response=Page[MilestoneAssignmentOut],
    errors=[404],
)
@handler
async def list_assignments(request: web.Request, ctx: Context) -> web.Response:
    milestone_id = path_uuid(request, "id")
    query = parse_query(request, ListQuery)
    page = await milestone_links.list_assignments(
        ctx.svc, ctx.caller, ctx.org_id, milestone_id, query
    )
    return json_response(page)


@routes.post(BASE + "/{id}/assignments")
@api(
    "Assign a member to a milestone",
    tags=TAGS,
    body=MilestoneAssignmentCreate,
    response=MilestoneAssignmentOut,
    status=201,
    responses={200: MilestoneAssignmentOut},
    errors=[403, 404],
)
@handler
async def assign(request: web.Request, ctx: Context) -> web.Response:
    """201 when the person is newly assigned, 200 when they already were."""
    milestone_id = path_uuid(request, "id")
    req = await parse_body(request, MilestoneAssignmentCreate)
    out, created = await milestone_links.assign(ctx.svc, ctx.caller, ctx.org_id, milestone_id, req)
    return json_response(out, status=201 if created else 200)


@routes.delete(BASE + "/{id}/assignments/{profile_id}")
@api("Unassign a member from a milestone", tags=TAGS, status=204, errors=[403, 404])
@handler
async def unassign(request: web.Request, ctx: Context) -> web.Response:
    milestone_id = path_uuid(request, "id")
    profile_id = path_uuid(request, "profile_id")
    await milestone_links.unassign(ctx.svc, ctx.caller, ctx.org_id, milestone_id, profile_id)
    return web.Response(status=204)
