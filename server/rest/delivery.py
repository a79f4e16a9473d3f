"""`/api/v1/orgs/{org}/projects/{project}/deliverables[/{id}]` and `.../assignments[/{id}]`
(staffing, `affectation`)."""

from __future__ import annotations

from aiohttp import web

from protocol.common import Page
from protocol.delivery import (
    DeliverableCreate,
    DeliverableOut,
    DeliverablePatch,
    DeliverableQuery,
    StaffingCreate,
    StaffingOut,
    StaffingPatch,
    StaffingQuery,
)

from ..services.people import staffing
from ..services.projects import delivery
from .context import Context, project_handler
from .json import json_response, parse_body, parse_query, path_uuid
from .openapi import api

routes = web.RouteTableDef()

PROJECT = "/api/v1/orgs/{org}/projects/{project}"
DELIVERABLES = PROJECT + "/deliverables"
ASSIGNMENTS = PROJECT + "/assignments"
DELIVERY = ["deliverables"]
STAFFING = ["staffing"]


@routes.get(DELIVERABLES)
@api(
    "Deliverables of a project",
    tags=DELIVERY,
    query=DeliverableQuery,
    response=Page[DeliverableOut],
    errors=[404],
)
@project_handler
async def list_deliverables(request: web.Request, ctx: Context) -> web.Response:
    query = parse_query(request, DeliverableQuery)
    page = await delivery.DELIVERABLES.page(ctx.svc, ctx.caller, ctx.org_id, ctx.project_id, query)
    return json_response(page)


@routes.post(DELIVERABLES)
@api(
    "Create a deliverable",
    tags=DELIVERY,
    body=DeliverableCreate,
    response=DeliverableOut,
    status=201,
    errors=[403, 404],
)
@project_handler
async def create_deliverable(request: web.Request, ctx: Context) -> web.Response:
    req = await parse_body(request, DeliverableCreate)
    out = await delivery.DELIVERABLES.create(ctx.svc, ctx.caller, ctx.org_id, ctx.project_id, req)
    return json_response(out, status=201)


@routes.get(DELIVERABLES + "/{id}")
@api("A deliverable", tags=DELIVERY, response=DeliverableOut, errors=[404])
@project_handler
async def get_deliverable(request: web.Request, ctx: Context) -> web.Response:
    deliverable_id = path_uuid(request, "id")
    out = await delivery.DELIVERABLES.read(
        ctx.svc, ctx.caller, ctx.org_id, ctx.project_id, deliverable_id
    )
    return json_response(out)


@routes.patch(DELIVERABLES + "/{id}")
@api(
    "Update a deliverable",
    tags=DELIVERY,
    body=DeliverablePatch,
    response=DeliverableOut,
    errors=[403, 404],
)
@project_handler
async def patch_deliverable(request: web.Request, ctx: Context) -> web.Response:
    deliverable_id = path_uuid(request, "id")
    patch = await parse_body(request, DeliverablePatch)
    out = await delivery.DELIVERABLES.update(
        ctx.svc, ctx.caller, ctx.org_id, ctx.project_id, deliverable_id, patch
    )
    return json_response(out)


@routes.delete(DELIVERABLES + "/{id}")
@api("Delete a deliverable (its tasks stay)", tags=DELIVERY, status=204, errors=[403, 404])
@project_handler
async def delete_deliverable(request: web.Request, ctx: Context) -> web.Response:
    deliverable_id = path_uuid(request, "id")
    await delivery.DELIVERABLES.delete(
        ctx.svc, ctx.caller, ctx.org_id, ctx.project_id, deliverable_id
    )
    return web.Response(status=204)


@routes.get(ASSIGNMENTS)
@api(
    "Staffing of a project, by start date",
    tags=STAFFING,
    query=StaffingQuery,
    response=Page[StaffingOut],
    errors=[404],
)
@project_handler
async def list_assignments(request: web.Request, ctx: Context) -> web.Response:
    query = parse_query(request, StaffingQuery)
    page = await staffing.STAFFING.page(ctx.svc, ctx.caller, ctx.org_id, ctx.project_id, query)
    return json_response(page)


@routes.post(ASSIGNMENTS)
@api(
    "Staff a consultant on a project",
    tags=STAFFING,
    body=StaffingCreate,
    response=StaffingOut,
    status=201,
    errors=[403, 404, 409],
)
@project_handler
async def create_assignment(request: web.Request, ctx: Context) -> web.Response:
    """A consultant's allocations may not exceed 100% on any day across the organization's
    projects (`date_fin` null: open-ended): 409 with `details.conflicting_assignment_ids`."""
    req = await parse_body(request, StaffingCreate)
    out = await staffing.STAFFING.create(ctx.svc, ctx.caller, ctx.org_id, ctx.project_id, req)
    return json_response(out, status=201)


@routes.get(ASSIGNMENTS + "/{id}")
@api("A staffing assignment", tags=STAFFING, response=StaffingOut, errors=[404])
@project_handler
async def get_assignment(request: web.Request, ctx: Context) -> web.Response:
    assignment_id = path_uuid(request, "id")
    out = await staffing.STAFFING.read(
        ctx.svc, ctx.caller, ctx.org_id, ctx.project_id, assignment_id
    )
    return json_response(out)


@routes.patch(ASSIGNMENTS + "/{id}")
@api(
    "Update a staffing assignment",
    tags=STAFFING,
    body=StaffingPatch,
    response=StaffingOut,
    errors=[403, 404, 409],
)
@project_handler
async def patch_assignment(request: web.Request, ctx: Context) -> web.Response:
    assignment_id = path_uuid(request, "id")
    patch = await parse_body(request, StaffingPatch)
    out = await staffing.update_staffing(
        ctx.svc, ctx.caller, ctx.org_id, ctx.project_id, assignment_id, patch
    )
    return json_response(out)


@routes.delete(ASSIGNMENTS + "/{id}")
@api("Delete a staffing assignment", tags=STAFFING, status=204, errors=[403, 404])
@project_handler
async def delete_assignment(request: web.Request, ctx: Context) -> web.Response:
    assignment_id = path_uuid(request, "id")
    await staffing.STAFFING.delete(ctx.svc, ctx.caller, ctx.org_id, ctx.project_id, assignment_id)
    return web.Response(status=204)
