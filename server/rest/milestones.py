"""`/api/v1/orgs/{org}/milestones[/{id}]`, their task links, dependencies and people."""

from __future__ import annotations

from aiohttp import web

from protocol import milestones as p
from protocol.common import ListQuery, Page

from ..services.projects import milestone_links, milestones
from .resource import Op, Rest, Serve, mount

routes = web.RouteTableDef()

BASE = "/api/v1/orgs/{org}/milestones"
TAGS = ["milestones"]
serve = Serve(routes, tags=TAGS)

MILESTONES = Rest(
    BASE,
    "milestone",
    p.MilestoneOut,
    tags=TAGS,
    query=p.MilestoneQuery,
    body=p.MilestoneCreate,
    patch_body=p.MilestonePatch,
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
    delete=Op("Delete a milestone", [403], call=milestones.MILESTONES.delete),
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
    body=p.MilestoneTaskLink,
    body_required=False,
    out=p.MilestoneOut,
    etag=True,
)
serve.delete(
    BASE + "/{id}/tasks/{task_id}",
    Op("Unlink a task from a milestone", [403, 404], call=milestone_links.unlink_task),
    out=p.MilestoneOut,
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
    out=p.MilestoneOut,
    etag=True,
)
serve.delete(
    BASE + "/{id}/dependencies/{other_id}",
    Op("Remove a dependency", [403, 404], call=milestone_links.remove_dependency),
    out=p.MilestoneOut,
    etag=True,
)
serve.get(
    BASE + "/{id}/assignments",
    Op("People assigned to a milestone", [404], call=milestone_links.list_assignments),
    query=ListQuery,
    out=Page[p.MilestoneAssignmentOut],
)
serve.post(
    BASE + "/{id}/assignments",
    Op(
        "Assign a member to a milestone",
        [403, 404],
        doc="201 when the person is newly assigned, 200 when they already were.",
        call=milestone_links.assign,
    ),
    body=p.MilestoneAssignmentCreate,
    out=p.MilestoneAssignmentOut,
    status=201,
    created=True,
)
serve.delete(
    BASE + "/{id}/assignments/{profile_id}",
    Op("Unassign a member from a milestone", [403, 404], call=milestone_links.unassign),
)
