"""`/api/v1/orgs[/{org}]` and `/api/v1/orgs/{org}/members[/{user_id}]`."""

from __future__ import annotations

from aiohttp import web

from protocol.common import ListQuery
from protocol.orgs import MemberPatch, OrgCreate, OrgPatch

from ..services import members, orgs
from .context import actor, services
from .json import json_response, parse_body, parse_query, path_uuid

routes = web.RouteTableDef()


@routes.post("/api/v1/orgs")
async def create_org(request: web.Request) -> web.Response:
    caller = await actor(request)
    req = await parse_body(request, OrgCreate)
    return json_response(await orgs.create_org(services(request), caller, req), status=201)


@routes.get("/api/v1/orgs")
async def list_orgs(request: web.Request) -> web.Response:
    caller = await actor(request)
    query = parse_query(request, ListQuery)
    return json_response(await orgs.list_orgs(services(request), caller, query))


@routes.get("/api/v1/orgs/{org}")
async def get_org(request: web.Request) -> web.Response:
    caller = await actor(request)
    org_id = path_uuid(request, "org")
    return json_response(await orgs.get_org(services(request), caller, org_id))


@routes.patch("/api/v1/orgs/{org}")
async def patch_org(request: web.Request) -> web.Response:
    caller = await actor(request)
    org_id = path_uuid(request, "org")
    patch = await parse_body(request, OrgPatch)
    return json_response(await orgs.update_org(services(request), caller, org_id, patch))


@routes.delete("/api/v1/orgs/{org}")
async def delete_org(request: web.Request) -> web.Response:
    caller = await actor(request)
    await orgs.delete_org(services(request), caller, path_uuid(request, "org"))
    return web.Response(status=204)


@routes.get("/api/v1/orgs/{org}/members")
async def list_members(request: web.Request) -> web.Response:
    caller = await actor(request)
    org_id = path_uuid(request, "org")
    query = parse_query(request, ListQuery)
    return json_response(await members.list_members(services(request), caller, org_id, query))


@routes.patch("/api/v1/orgs/{org}/members/{user_id}")
async def patch_member(request: web.Request) -> web.Response:
    caller = await actor(request)
    org_id, user_id = path_uuid(request, "org"), path_uuid(request, "user_id")
    patch = await parse_body(request, MemberPatch)
    member = await members.change_role(services(request), caller, org_id, user_id, patch)
    return json_response(member)


@routes.delete("/api/v1/orgs/{org}/members/{user_id}")
async def delete_member(request: web.Request) -> web.Response:
    caller = await actor(request)
    org_id, user_id = path_uuid(request, "org"), path_uuid(request, "user_id")
    await members.remove_member(services(request), caller, org_id, user_id)
    return web.Response(status=204)
