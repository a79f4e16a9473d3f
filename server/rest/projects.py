"""`/api/v1/orgs/{org}/clients[/{id}]` and `/api/v1/orgs/{org}/projects[/{id}]`."""

from __future__ import annotations

from aiohttp import web

from protocol.common import ListQuery, Page
from protocol.projects import (
    ClientCreate,
    ClientOut,
    ClientPatch,
    ProjectCreate,
    ProjectOut,
    ProjectPatch,
    ProjectQuery,
)

from ..services.projects import projects
from .context import Context, handler
from .etag import etag_headers, expected_version
from .json import json_response, parse_body, parse_query, path_uuid
from .openapi import api

routes = web.RouteTableDef()

CLIENTS = "/api/v1/orgs/{org}/clients"
PROJECTS = "/api/v1/orgs/{org}/projects"
IF_MATCH = {"If-Match": "the ETag last read; a stale one is answered 412"}


def _project(out: ProjectOut, status: int = 200) -> web.Response:
    return json_response(out, status=status, headers=etag_headers(out.version))


# Clients ------------------------------------------------------------------------------


@routes.get(CLIENTS)
@api(
    "Clients of an organization, oldest first",
    tags=["clients"],
    query=ListQuery,
    response=Page[ClientOut],
    errors=[404],
)
@handler
async def list_clients(request: web.Request, ctx: Context) -> web.Response:
    """A CLIENT member sees only the clients whose contact they are."""
    query = parse_query(request, ListQuery)
    return json_response(await projects.list_clients(ctx.svc, ctx.caller, ctx.org_id, query))


@routes.post(CLIENTS)
@api(
    "Create a client",
    tags=["clients"],
    body=ClientCreate,
    response=ClientOut,
    status=201,
    errors=[403, 404],
)
@handler
async def create_client(request: web.Request, ctx: Context) -> web.Response:
    """`contact_user_id`, when given, must be a member of the organization (422)."""
    req = await parse_body(request, ClientCreate)
    out = await projects.create_client(ctx.svc, ctx.caller, ctx.org_id, req)
    return json_response(out, status=201)


@routes.get(CLIENTS + "/{id}")
@api("A client", tags=["clients"], response=ClientOut, errors=[404])
@handler
async def get_client(request: web.Request, ctx: Context) -> web.Response:
    client_id = path_uuid(request, "id")
    return json_response(await projects.get_client(ctx.svc, ctx.caller, ctx.org_id, client_id))


@routes.patch(CLIENTS + "/{id}")
@api(
    "Update a client",
    tags=["clients"],
    body=ClientPatch,
    response=ClientOut,
    errors=[403, 404],
)
@handler
async def patch_client(request: web.Request, ctx: Context) -> web.Response:
    client_id = path_uuid(request, "id")
    patch = await parse_body(request, ClientPatch)
    out = await projects.update_client(ctx.svc, ctx.caller, ctx.org_id, client_id, patch)
    return json_response(out)


@routes.delete(CLIENTS + "/{id}")
@api("Delete a client", tags=["clients"], status=204, errors=[403, 404, 409])
@handler
async def delete_client(request: web.Request, ctx: Context) -> web.Response:
    """Refused (409) while the client has projects."""
    client_id = path_uuid(request, "id")
    await projects.delete_client(ctx.svc, ctx.caller, ctx.org_id, client_id)
    return web.Response(status=204)


# Projects -----------------------------------------------------------------------------


@routes.get(PROJECTS)
@api(
    "Projects of an organization, oldest first",
    tags=["projects"],
    query=ProjectQuery,
    response=Page[ProjectOut],
    errors=[404],
)
@handler
async def list_projects(request: web.Request, ctx: Context) -> web.Response:
    """A CLIENT member sees only the projects of the clients whose contact they are."""
    query = parse_query(request, ProjectQuery)
    return json_response(await projects.list_projects(ctx.svc, ctx.caller, ctx.org_id, query))


@routes.post(PROJECTS)
@api(
    "Create a project and its chat channel",
    tags=["projects"],
    body=ProjectCreate,
    response=ProjectOut,
    status=201,
    errors=[403, 404, 409],
)
@handler
async def create_project(request: web.Request, ctx: Context) -> web.Response:
    """`nom` is unique in the organization (409); `client_id` must be a client and
    `chef_projet_id` a member of the organization, `date_fin_prevue >= date_debut` (422)."""
    req = await parse_body(request, ProjectCreate)
    return _project(await projects.create_project(ctx.svc, ctx.caller, ctx.org_id, req), 201)


@routes.get(PROJECTS + "/{id}")
@api("A project (ETag: its version)", tags=["projects"], response=ProjectOut, errors=[404])
@handler
async def get_project(request: web.Request, ctx: Context) -> web.Response:
    project_id = path_uuid(request, "id")
    return _project(await projects.get_project(ctx.svc, ctx.caller, ctx.org_id, project_id))


@routes.patch(PROJECTS + "/{id}")
@api(
    "Update a project",
    tags=["projects"],
    body=ProjectPatch,
    response=ProjectOut,
    errors=[403, 404, 409, 412],
    headers=IF_MATCH,
)
@handler
async def patch_project(request: web.Request, ctx: Context) -> web.Response:
    """With `If-Match`, applied only if the project is still at that version (412
    otherwise); without it, last write wins. Each change increments `version`."""
    project_id = path_uuid(request, "id")
    version = expected_version(request)
    patch = await parse_body(request, ProjectPatch)
    out = await projects.update_project(ctx.svc, ctx.caller, ctx.org_id, project_id, patch, version)
    return _project(out)


@routes.delete(PROJECTS + "/{id}")
@api("Delete a project and all it owns", tags=["projects"], status=204, errors=[403, 404])
@handler
async def delete_project(request: web.Request, ctx: Context) -> web.Response:
    """Its tasks, deliverables, staffing, milestones and channel (messages included)."""
    project_id = path_uuid(request, "id")
    await projects.delete_project(ctx.svc, ctx.caller, ctx.org_id, project_id)
    return web.Response(status=204)
