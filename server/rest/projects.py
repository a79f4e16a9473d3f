"""`/api/v1/orgs/{org}/clients[/{id}]` and `/api/v1/orgs/{org}/projects[/{id}]`: two
resources of the kit (server/rest/resource.py); projects answer their version as ETag."""

from __future__ import annotations

from aiohttp import web

from protocol import projects as p
from protocol.common import ListQuery

from ..services.projects import projects
from .resource import Op, Rest, mount

routes = web.RouteTableDef()


CLIENTS = Rest(
    "/api/v1/orgs/{org}/clients",
    "client",
    p.ClientOut,
    tags=["clients"],
    service=projects.CLIENTS,
    query=ListQuery,
    body=p.ClientCreate,
    patch_body=p.ClientPatch,
    page=Op(
        "Clients of an organization, oldest first",
        doc="A CLIENT member sees only the clients whose contact they are.",
    ),
    create=Op(
        "Create a client",
        [403],
        doc="`contact_user_id`, when given, must be a member of the organization (422).",
    ),
    read=Op("A client"),
    update=Op("Update a client", [403]),
    delete=Op("Delete a client", [403, 409], doc="Refused (409) while the client has projects."),
)

PROJECTS = Rest(
    "/api/v1/orgs/{org}/projects",
    "project",
    p.ProjectOut,
    tags=["projects"],
    query=p.ProjectQuery,
    body=p.ProjectCreate,
    patch_body=p.ProjectPatch,
    etag=True,
    page=Op(
        "Projects of an organization, oldest first",
        doc="A CLIENT member sees only the projects of the clients whose contact they are.",
        call=projects.list_projects,
    ),
    create=Op(
        "Create a project and its chat channel",
        [403, 409],
        doc="""`nom` is unique in the organization (409); `client_id` must be a client and
        `chef_projet_id` a member of the organization, `date_fin_prevue >= date_debut` (422).""",
        call=projects.create_project,
    ),
    read=Op("A project (ETag: its version)", call=projects.get_project),
    update=Op(
        "Update a project",
        [403, 409, 412],
        doc="""With `If-Match`, applied only if the project is still at that version (412
        otherwise); without it, last write wins. Each change increments `version`.""",
        call=projects.update_project,
    ),
    delete=Op(
        "Delete a project and all it owns",
        [403],
        doc="Its tasks, deliverables, staffing, milestones and channel (messages included).",
        call=projects.delete_project,
    ),
)

mount(routes, CLIENTS)
mount(routes, PROJECTS)
