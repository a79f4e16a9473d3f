"""Address verification and password recovery payloads."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, EmailStr, StringConstraints

from .auth import OpaqueToken, Password
from .common import Request


class VerifyEmailRequest(Request):
    token: OpaqueToken


class EmailRequest(Request):
    email: EmailStr


class PasswordReset(Request):
    token: OpaqueToken
    password: Password


class PasswordChange(Request):
    current_password: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    password: Password


class Accepted(BaseModel):
    """The neutral answer of the routes that must not tell whether an account exists."""

    status: str = "accepted"
    detail: str


class UnsubscribeQuery(Request):
    """The token of a one-click unsubscribe link (RFC 8058)."""

    token: Annotated[str, StringConstraints(min_length=16, max_length=1024)]
