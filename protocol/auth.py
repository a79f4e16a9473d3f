"""Accounts and tokens: register, login, refresh, logout, the current user."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, EmailStr, StringConstraints

from .common import Name, NotNull, Patch, Request, Url
from .enums import MemberRole, UserRole, UserStatus

Password = Annotated[str, StringConstraints(min_length=10, max_length=256)]
OpaqueToken = Annotated[str, StringConstraints(min_length=16, max_length=256)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]


class RegisterRequest(Request):
    email: EmailStr
    password: Password
    prenom: Name
    nom: Name


REGISTRATION_ACCEPTED = (
    "If this email had no account, one now exists with this password: sign in with "
    "POST /api/v1/auth/login. If it had one, nothing was changed."
)


class RegistrationAccepted(BaseModel):
    """The one answer (202) to every well-formed registration, whether or not the email
    already had an account, so that registering tells nobody who has one
    (docs/registration.md)."""

    status: Literal["accepted"] = "accepted"
    detail: str = REGISTRATION_ACCEPTED


class LoginRequest(Request):
    email: EmailStr
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)]


class RefreshRequest(Request):
    refresh_token: OpaqueToken


class LogoutRequest(Request):
    """Without a refresh token, every session of the user ends."""

    refresh_token: OpaqueToken | None = None


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class MembershipOut(BaseModel):
    id: uuid.UUID
    name: str
    slug: str
    role: MemberRole


class ProfileOut(BaseModel):
    id: uuid.UUID
    email: str
    prenom: str
    nom: str
    role: UserRole
    avatar_url: str | None
    phone: str | None
    status: UserStatus | None
    last_seen: datetime | None
    organization_id: uuid.UUID | None
    manager_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class MeOut(ProfileOut):
    organizations: list[MembershipOut]


class MePatch(Patch):
    prenom: NotNull[Name] = None
    nom: NotNull[Name] = None
    phone: Phone | None = None
    avatar_url: Url | None = None
    organization_id: uuid.UUID | None = None
