"""`/api/v1/auth/verify-email*` and `/api/v1/auth/password/*`: proving an address and
recovering an account (server/services/identity/accounts.py)."""

from __future__ import annotations

from aiohttp import web

from protocol.accounts import (
    Accepted,
    EmailRequest,
    PasswordChange,
    PasswordReset,
    VerifyEmailRequest,
)

from ..services.identity import accounts
from .context import Context, client_address, handler, services
from .json import json_response, parse_body
from .openapi import api

routes = web.RouteTableDef()

MAIL_ON_ITS_WAY = Accepted(detail="if an account uses this address, a mail is on its way")


@routes.post("/api/v1/auth/verify-email")
@api(
    "Confirm an address with the token of the mailed link",
    tags=["auth"],
    auth=False,
    body=VerifyEmailRequest,
    status=204,
    errors=[404],
)
async def verify_email(request: web.Request) -> web.Response:
    req = await parse_body(request, VerifyEmailRequest)
    await accounts.verify_email(services(request), req)
    return web.Response(status=204)


@routes.post("/api/v1/auth/verify-email/resend")
@api(
    "Mail a fresh confirmation link to an unconfirmed address",
    tags=["auth"],
    auth=False,
    body=EmailRequest,
    response=Accepted,
    status=202,
    errors=[429],
)
async def resend_verification(request: web.Request) -> web.Response:
    """Always 202: the answer does not tell whether the address has an account."""
    req = await parse_body(request, EmailRequest)
    await accounts.resend_verification(services(request), req, client_address(request))
    return json_response(MAIL_ON_ITS_WAY, status=202)


@routes.post("/api/v1/auth/password/forgot")
@api(
    "Mail a password reset link (valid one hour)",
    tags=["auth"],
    auth=False,
    body=EmailRequest,
    response=Accepted,
    status=202,
    errors=[429],
)
async def forgot_password(request: web.Request) -> web.Response:
    """Always 202: the answer does not tell whether the address has an account."""
    req = await parse_body(request, EmailRequest)
    await accounts.forgot_password(services(request), req, client_address(request))
    return json_response(MAIL_ON_ITS_WAY, status=202)


@routes.post("/api/v1/auth/password/reset")
@api(
    "Set a new password with the token of the mailed link; every session ends",
    tags=["auth"],
    auth=False,
    body=PasswordReset,
    status=204,
    errors=[404, 429],
)
async def reset_password(request: web.Request) -> web.Response:
    req = await parse_body(request, PasswordReset)
    await accounts.reset_password(services(request), req, client_address(request))
    return web.Response(status=204)


@routes.post("/api/v1/auth/password/change")
@api(
    "Change the password; the user's other sessions end",
    tags=["auth"],
    body=PasswordChange,
    status=204,
    errors=[403, 429],
)
@handler
async def change_password(request: web.Request, ctx: Context) -> web.Response:
    req = await parse_body(request, PasswordChange)
    await accounts.change_password(ctx.svc, ctx.caller, req, client_address(request))
    return web.Response(status=204)
