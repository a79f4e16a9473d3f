"""`/api/v1/auth/verify-email*` and `/api/v1/auth/password/*`: proving an address and
recovering an account (server/services/identity/accounts.py)."""

from __future__ import annotations

from aiohttp import web

from protocol import accounts as p

from ..services.identity import accounts
from .resource import Op, Serve

routes = web.RouteTableDef()
serve = Serve(routes, tags=["auth"])

AUTH = "/api/v1/auth"
MAIL_ON_ITS_WAY = p.Accepted(detail="if an account uses this address, a mail is on its way")
ALWAYS_202 = "Always 202: the answer does not tell whether the address has an account."

serve.post(
    AUTH + "/verify-email",
    Op("Confirm an address with the token of the mailed link", [404], call=accounts.verify_email),
    body=p.VerifyEmailRequest,
    auth=False,
)
for path, summary, call in (
    (
        "/verify-email/resend",
        "Mail a fresh confirmation link to an unconfirmed address",
        accounts.resend_verification,
    ),
    ("/password/forgot", "Mail a password reset link (valid one hour)", accounts.forgot_password),
):
    serve.post(
        AUTH + path,
        Op(summary, [429], ALWAYS_202, call=call),
        body=p.EmailRequest,
        out=p.Accepted,
        status=202,
        auth=False,
        address=True,
        answer=MAIL_ON_ITS_WAY,
    )
serve.post(
    AUTH + "/password/reset",
    Op(
        "Set a new password with the token of the mailed link; every session ends",
        [404, 429],
        call=accounts.reset_password,
    ),
    body=p.PasswordReset,
    auth=False,
    address=True,
)
serve.post(
    AUTH + "/password/change",
    Op(
        "Change the password; the user's other sessions end",
        [403, 429],
        call=accounts.change_password,
    ),
    body=p.PasswordChange,
    address=True,
)
