"""`/api/v1/orgs[/{org}]` and `/api/v1/orgs/{org}/members[/{user_id}]`."""

from __future__ import annotations

from aiohttp import web

from protocol.common import ListQuery, Page
from protocol.orgs import MemberOut, MemberPatch, OrgCreate, OrgOut, OrgPatch

from ..services import members, orgs
from .context import actor, services
from .json import json_response, parse_body, parse_query, path_uuid
from .openapi import api

routes = web.RouteTableDef()


@routes.post("/api/v1/orgs")
@api(
    "Create an organization (the caller becomes its owner)",
    tags=["orgs"],
    body=OrgCreate,
    response=OrgOut,
    status=201,
    errors=[409],
)
async def create_org(request: web.Request) -> web.Response:
    caller = await actor(request)
    req = await parse_body(request, OrgCreate)
    return json_response(await orgs.create_org(services(request), caller, req), status=201)


@routes.get("/api/v1/orgs")
@api("The caller's organizations", tags=["orgs"], query=ListQuery, response=Page[OrgOut])
async def list_orgs(request: web.Request) -> web.Response:
    caller = await actor(request)
    query = parse_query(request, ListQuery)
    return json_response(await orgs.list_orgs(services(request), caller, query))


@routes.get("/api/v1/orgs/{org}")
@api("One organization of the caller", tags=["orgs"], response=OrgOut, errors=[404])
async def get_org(request: web.Request) -> web.Response:
    caller = await actor(request)
    org_id = path_uuid(request, "org")
    return json_response(await orgs.get_org(services(request), caller, org_id))


@routes.patch("/api/v1/orgs/{org}")
@api(
    "Update an organization",
    tags=["orgs"],
    body=OrgPatch,
    response=OrgOut,
    errors=[403, 404, 409],
)
async def patch_org(request: web.Request) -> web.Response:
    caller = await actor(request)
    org_id = path_uuid(request, "org")
    patch = await parse_body(request, OrgPatch)
    return json_response(await orgs.update_org(services(request), caller, org_id, patch))


@routes.delete("/api/v1/orgs/{org}")
@api("Delete an organization and all it owns", tags=["orgs"], status=204, errors=[403, 404])
async def delete_org(request: web.Request) -> web.Response:
    caller = await actor(request)
    await orgs.delete_org(services(request), caller, path_uuid(request, "org"))
    return web.Response(status=204)


@routes.get("/api/v1/orgs/{org}/members")
@api(
    "Members of an organization",
    tags=["orgs"],
    query=ListQuery,
    response=Page[MemberOut],
    errors=[403, 404],
)
async def list_members(request: web.Request) -> web.Response:
    caller = await actor(request)
    org_id = path_uuid(request, "org")
    query = parse_query(request, ListQuery)
    return json_response(await members.list_members(services(request), caller, org_id, query))


@routes.patch("/api/v1/orgs/{org}/members/{user_id}")
@api(
    "Change a member's role",
    tags=["orgs"],
    body=MemberPatch,
    response=MemberOut,
    errors=[403, 404, 409],
)
async def patch_member(request: web.Request) -> web.Response:
    caller = await actor(request)
    org_id, user_id = path_uuid(request, "org"), path_uuid(request, "user_id")
    patch = await parse_body(request, MemberPatch)
    member = await members.change_role(services(request), caller, org_id, user_id, patch)
    return json_response(member)


@routes.delete("/api/v1/orgs/{org}/members/{user_id}")
@api(
    "Remove a member, or leave",
    tags=["orgs"],
    status=204,
    errors=[403, 404, 409],
)
async def delete_member(request: web.Request) -> web.Response:
    caller = await actor(request)
    org_id, user_id = path_uuid(request, "org"), path_uuid(request, "user_id")
    await members.remove_member(services(request), caller, org_id, user_id)
    return web.Response(status=204)
