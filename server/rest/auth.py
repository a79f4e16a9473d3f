"""`/api/v1/auth/*` and `/api/v1/me`."""

from __future__ import annotations

from aiohttp import web

from protocol.accounts import Accepted
from protocol.auth import (
    LoginRequest,
    LogoutRequest,
    MeOut,
    MePatch,
    RefreshRequest,
    RegisterRequest,
    TokenPair,
)

from ..services.identity import auth
from .context import Context, actor, client_address, handler, services
from .json import json_response, parse_body
from .openapi import api

routes = web.RouteTableDef()

REGISTERED = Accepted(detail="check your mailbox: the link we sent confirms the address")


@routes.post("/api/v1/auth/register")
@api(
    "Create an account; it signs in once the mailed link confirms the address",
    tags=["auth"],
    auth=False,
    body=RegisterRequest,
    response=Accepted,
    status=202,
    errors=[429],
)
async def register(request: web.Request) -> web.Response:
    """The same answer whether or not the address already has an account (its owner is
    then mailed "you already have an account"): see docs/accounts.md."""
    req = await parse_body(request, RegisterRequest)
    await auth.register(services(request), req, client_address(request))
    return json_response(REGISTERED, status=202)


@routes.post("/api/v1/auth/login")
@api(
    "Sign in with email and password",
    tags=["auth"],
    auth=False,
    body=LoginRequest,
    response=TokenPair,
    errors=[401, 429],
)
async def login(request: web.Request) -> web.Response:
    req = await parse_body(request, LoginRequest)
    return json_response(await auth.login(services(request), req, client_address(request)))


@routes.post("/api/v1/auth/refresh")
@api(
    "Trade a refresh token for a new pair (rotation)",
    tags=["auth"],
    auth=False,
    body=RefreshRequest,
    response=TokenPair,
    errors=[401],
)
async def refresh(request: web.Request) -> web.Response:
    req = await parse_body(request, RefreshRequest)
    return json_response(await auth.refresh(services(request), req.refresh_token))


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
    await auth.logout(ctx.svc, ctx.caller, req.refresh_token)
    return web.Response(status=204)


@routes.get("/api/v1/me")
@api("The current user and their organizations", tags=["auth"], response=MeOut)
async def get_me(request: web.Request) -> web.Response:
    return json_response(await auth.me(services(request), await actor(request)))


@routes.patch("/api/v1/me")
@api("Update the current user's profile", tags=["auth"], body=MePatch, response=MeOut, errors=[404])
@handler
async def patch_me(request: web.Request, ctx: Context) -> web.Response:
    patch = await parse_body(request, MePatch)
    return json_response(await auth.update_me(ctx.svc, ctx.caller, patch))
