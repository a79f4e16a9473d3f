"""`/api/v1/orgs[/{org}]` and `/api/v1/orgs/{org}/members[/{user_id}]`."""

from __future__ import annotations

from aiohttp import web

from protocol.common import ListQuery, Page
from protocol.orgs import MemberOut, MemberPatch, OrgCreate, OrgOut, OrgPatch

from ..services.identity import members, orgs
from .context import Context, actor, handler, services
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
@handler
async def create_org(request: web.Request, ctx: Context) -> web.Response:
    req = await parse_body(request, OrgCreate)
    return json_response(await orgs.create_org(ctx.svc, ctx.caller, req), status=201)


@routes.get("/api/v1/orgs")
@api("The caller's organizations", tags=["orgs"], query=ListQuery, response=Page[OrgOut])
@handler
async def list_orgs(request: web.Request, ctx: Context) -> web.Response:
    query = parse_query(request, ListQuery)
    return json_response(await orgs.list_orgs(ctx.svc, ctx.caller, query))


@routes.get("/api/v1/orgs/{org}")
@api("One organization of the caller", tags=["orgs"], response=OrgOut, errors=[404])
@handler
async def get_org(request: web.Request, ctx: Context) -> web.Response:
    return json_response(await orgs.get_org(ctx.svc, ctx.caller, ctx.org_id))


@routes.patch("/api/v1/orgs/{org}")
@api(
    "Update an organization",
    tags=["orgs"],
    body=OrgPatch,
    response=OrgOut,
    errors=[403, 404, 409],
)
@handler
async def patch_org(request: web.Request, ctx: Context) -> web.Response:
    patch = await parse_body(request, OrgPatch)
    return json_response(await orgs.update_org(ctx.svc, ctx.caller, ctx.org_id, patch))


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
@handler
async def list_members(request: web.Request, ctx: Context) -> web.Response:
    query = parse_query(request, ListQuery)
    return json_response(await members.list_members(ctx.svc, ctx.caller, ctx.org_id, query))


@routes.patch("/api/v1/orgs/{org}/members/{user_id}")
@api(
    "Change a member's role",
    tags=["orgs"],
    body=MemberPatch,
    response=MemberOut,
    errors=[403, 404, 409],
)
@handler
async def patch_member(request: web.Request, ctx: Context) -> web.Response:
    user_id = path_uuid(request, "user_id")
    patch = await parse_body(request, MemberPatch)
    member = await members.change_role(ctx.svc, ctx.caller, ctx.org_id, user_id, patch)
    return json_response(member)


@routes.delete("/api/v1/orgs/{org}/members/{user_id}")
@api(
    "Remove a member, or leave",
    tags=["orgs"],
    status=204,
    errors=[403, 404, 409],
)
@handler
async def delete_member(request: web.Request, ctx: Context) -> web.Response:
    user_id = path_uuid(request, "user_id")
    await members.remove_member(ctx.svc, ctx.caller, ctx.org_id, user_id)
    return web.Response(status=204)
