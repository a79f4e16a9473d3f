"""`/api/v1/auth/*` and `/api/v1/me`."""

from __future__ import annotations

from aiohttp import web

from protocol import auth as p
from protocol.accounts import Accepted
from protocol.auth import LogoutRequest

from ..services.identity import auth
from .context import Context, handler
from .json import parse_body
from .openapi import api
from .resource import Op, Serve

routes = web.RouteTableDef()
serve = Serve(routes, tags=["auth"])

REGISTERED = Accepted(detail="check your mailbox: the link we sent confirms the address")


serve.post(
    "/api/v1/auth/register",
    Op(
        "Create an account; it signs in once the mailed link confirms the address",
        [429],
        doc="""The same answer whether or not the address already has an account (its owner is
        then mailed "you already have an account"): see docs/accounts.md.""",
        call=auth.register,
    ),
    body=p.RegisterRequest,
    out=Accepted,
    status=202,
    auth=False,
    address=True,
    answer=REGISTERED,
)
serve.post(
    "/api/v1/auth/login",
    Op("Sign in with email and password", [401, 429], call=auth.login),
    body=p.LoginRequest,
    out=p.TokenPair,
    auth=False,
    address=True,
)

serve.post(
    "/api/v1/auth/refresh",
    Op("Trade a refresh token for a new pair (rotation)", [401], call=auth.refresh),
    body=p.RefreshRequest,
    out=p.TokenPair,
    auth=False,
)


# Hand-written: an empty body is read as no body, whatever headers came with it.
@routes.post("/api/v1/auth/logout")
@api(
    "End one login session, or all of them without a refresh token",
    tags=["auth"],
    body=LogoutRequest,
    body_required=False,
    status=204,
)
@handler
async def logout(request: web.Request, ctx: Context) -> web.Response:
    req = await parse_body(request, LogoutRequest) if request.can_read_body else LogoutRequest()
    await auth.logout(ctx.svc, ctx.caller, req)
    return web.Response(status=204)


serve.get(
    "/api/v1/me",
    Op("The current user and their organizations", call=auth.me),
    out=p.MeOut,
    name="get_me",
)
serve.patch(
    "/api/v1/me",
    Op("Update the current user's profile", [404], call=auth.update_me),
    body=p.MePatch,
    out=p.MeOut,
    name="patch_me",
)
