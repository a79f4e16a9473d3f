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
from .json import json_response, parse_body, path_uuid
from .openapi import api
from .resource import Op, Rest, Serve, mount

routes = web.RouteTableDef()

BASE = "/api/v1/orgs/{org}/milestones"
TAGS = ["milestones"]
serve = Serve(routes, tags=TAGS)


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


serve.put(
    BASE + "/{id}/tasks/{task_id}",
    Op(
        "Link a task to a milestone, or change its weight",
        [403, 404],
        doc="""`weight` (default 1) counts the task in auto progress: sum(weight of DONE tasks) /
        sum(weights) x 100, rounded down. A project milestone takes only its project's tasks
        (422); the answer is the milestone with its progress recomputed.""",
        call=milestone_links.link_task,
    ),
    body=MilestoneTaskLink,
    body_required=False,
    out=MilestoneOut,
    etag=True,
)
serve.delete(
    BASE + "/{id}/tasks/{task_id}",
    Op("Unlink a task from a milestone", [403, 404], call=milestone_links.unlink_task),
    out=MilestoneOut,
    etag=True,
)
serve.put(
    BASE + "/{id}/dependencies/{other_id}",
    Op(
        "Make a milestone depend on another",
        [403, 404, 409],
        doc="""The milestone depends on `other_id`. Not on itself (422); a cycle is a 409 whose
        `details.cycle` lists it. Adding an existing dependency changes nothing.""",
        call=milestone_links.add_dependency,
    ),
    out=MilestoneOut,
    etag=True,
)
serve.delete(
    BASE + "/{id}/dependencies/{other_id}",
    Op("Remove a dependency", [403, 404], call=milestone_links.remove_dependency),
    out=MilestoneOut,
    etag=True,
)
serve.get(
    BASE + "/{id}/assignments",
    Op("People assigned to a milestone", [404], call=milestone_links.list_assignments),
    query=ListQuery,
    out=Page[MilestoneAssignmentOut],
)


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


serve.delete(
    BASE + "/{id}/assignments/{profile_id}",
    Op("Unassign a member from a milestone", [403, 404], call=milestone_links.unassign),
    status=204,
)
