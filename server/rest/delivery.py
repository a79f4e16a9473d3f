"""`/api/v1/orgs/{org}/projects/{project}/deliverables[/{id}]` and `.../assignments[/{id}]`
(staffing, `affectation`): two resources of the kit (server/rest/resource.py)."""

from __future__ import annotations

from aiohttp import web

from protocol import delivery as p

from ..services.people import staffing
from ..services.projects import delivery
from .resource import Op, Rest, mount

routes = web.RouteTableDef()

PROJECT = "/api/v1/orgs/{org}/projects/{project}"

DELIVERABLES = Rest(
    PROJECT + "/deliverables",
    "deliverable",
    p.DeliverableOut,
    tags=["deliverables"],
    service=delivery.DELIVERABLES,
    query=p.DeliverableQuery,
    body=p.DeliverableCreate,
    patch_body=p.DeliverablePatch,
    page=Op("Deliverables of a project"),
    create=Op("Create a deliverable", [403]),
    read=Op("A deliverable"),
    update=Op("Update a deliverable", [403]),
    delete=Op("Delete a deliverable (its tasks stay)", [403]),
)

STAFFING = Rest(
    PROJECT + "/assignments",
    "assignment",
    p.StaffingOut,
    tags=["staffing"],
    service=staffing.STAFFING,
    query=p.StaffingQuery,
    body=p.StaffingCreate,
    patch_body=p.StaffingPatch,
    page=Op("Staffing of a project, by start date"),
    create=Op(
        "Staff a consultant on a project",
        [403, 409],
        doc="""A consultant's allocations may not exceed 100% on any day across the organization's
        projects (`date_fin` null: open-ended): 409 with `details.conflicting_assignment_ids`.""",
    ),
    read=Op("A staffing assignment"),
    update=Op("Update a staffing assignment", [403, 409], call=staffing.update_staffing),
    delete=Op("Delete a staffing assignment", [403]),
)

mount(routes, DELIVERABLES)
mount(routes, STAFFING)
