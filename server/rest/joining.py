"""Join codes (`/api/v1/orgs/{org}/join-codes`, `/api/v1/join`) and invitations
(`/api/v1/orgs/{org}/invitations`, `/api/v1/invitations/accept`)."""

from __future__ import annotations

from aiohttp import web

from protocol.common import ListQuery, Page
from protocol.orgs import (
    AcceptInvitation,
    InvitationCreate,
    InvitationCreated,
    InvitationOut,
    JoinCodeCreate,
    JoinCodeOut,
    JoinRequest,
    OrgOut,
)

from ..services.identity import invitations, joining
from .context import Context, handler
from .json import json_response, parse_body, parse_query, path_uuid
from .limits import Named, limited
from .openapi import api

routes = web.RouteTableDef()


@routes.post("/api/v1/orgs/{org}/join-codes")
@api(
    "Create a join code",
    tags=["joining"],
    body=JoinCodeCreate,
    response=JoinCodeOut,
    status=201,
    errors=[403, 404, 409],
)
@handler
async def create_join_code(request: web.Request, ctx: Context) -> web.Response:
    req = await parse_body(request, JoinCodeCreate)
    code = await joining.create_join_code(ctx.svc, ctx.caller, ctx.org_id, req)
    return json_response(code, status=201)


@routes.get("/api/v1/orgs/{org}/join-codes")
@api(
    "Join codes of an organization",
    tags=["joining"],
    query=ListQuery,
    response=Page[JoinCodeOut],
    errors=[403, 404],
)
@handler
async def list_join_codes(request: web.Request, ctx: Context) -> web.Response:
    query = parse_query(request, ListQuery)
    return json_response(await joining.list_join_codes(ctx.svc, ctx.caller, ctx.org_id, query))


@routes.delete("/api/v1/orgs/{org}/join-codes/{id}")
@api("Delete a join code", tags=["joining"], status=204, errors=[403, 404])
@handler
async def delete_join_code(request: web.Request, ctx: Context) -> web.Response:
    code_id = path_uuid(request, "id")
    await joining.delete_join_code(ctx.svc, ctx.caller, ctx.org_id, code_id)
    return web.Response(status=204)


@routes.post("/api/v1/join")
@api(
    "Join an organization with a code",
    tags=["joining"],
    body=JoinRequest,
    response=OrgOut,
    status=201,
    errors=[404, 409],
)
@handler
async def join(request: web.Request, ctx: Context) -> web.Response:
    req = await parse_body(request, JoinRequest)
    return json_response(await joining.join(ctx.svc, ctx.caller, req), status=201)


@routes.post("/api/v1/orgs/{org}/invitations")
@api(
    "Invite someone by email (mailed; the token is shown once only without SMTP)",
    tags=["joining"],
    body=InvitationCreate,
    response=InvitationCreated,
    status=201,
    errors=[403, 404, 409],
)
@limited(Named.INVITATIONS)
@handler
async def create_invitation(request: web.Request, ctx: Context) -> web.Response:
    req = await parse_body(request, InvitationCreate)
    created = await invitations.create_invitation(ctx.svc, ctx.caller, ctx.org_id, req)
    return json_response(created, status=201)


@routes.get("/api/v1/orgs/{org}/invitations")
@api(
    "Invitations of an organization",
    tags=["joining"],
    query=ListQuery,
    response=Page[InvitationOut],
    errors=[403, 404],
)
@handler
async def list_invitations(request: web.Request, ctx: Context) -> web.Response:
    query = parse_query(request, ListQuery)
    page = await invitations.list_invitations(ctx.svc, ctx.caller, ctx.org_id, query)
    return json_response(page)


@routes.post("/api/v1/orgs/{org}/invitations/{id}/resend")
@api(
    "Mail an invitation again with a fresh link (the previous one stops working)",
    tags=["joining"],
    response=InvitationCreated,
    errors=[403, 404, 409],
)
@limited(Named.INVITATIONS)
@handler
async def resend_invitation(request: web.Request, ctx: Context) -> web.Response:
    invitation_id = path_uuid(request, "id")
    resent = await invitations.resend_invitation(ctx.svc, ctx.caller, ctx.org_id, invitation_id)
    return json_response(resent)


@routes.delete("/api/v1/orgs/{org}/invitations/{id}")
@api("Revoke an invitation", tags=["joining"], status=204, errors=[403, 404])
@handler
async def revoke_invitation(request: web.Request, ctx: Context) -> web.Response:
    invitation_id = path_uuid(request, "id")
    await invitations.revoke_invitation(ctx.svc, ctx.caller, ctx.org_id, invitation_id)
    return web.Response(status=204)


@routes.post("/api/v1/invitations/accept")
@api(
    "Accept an invitation",
    tags=["joining"],
    body=AcceptInvitation,
    response=OrgOut,
    status=201,
    errors=[403, 404, 409],
)
@handler
async def accept_invitation(request: web.Request, ctx: Context) -> web.Response:
    req = await parse_body(request, AcceptInvitation)
    org = await invitations.accept_invitation(ctx.svc, ctx.caller, req)
    return json_response(org, status=201)
