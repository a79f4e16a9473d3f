"""Payloads of the connection-level Socket.IO events."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, StringConstraints

from .common import Request
from .enums import MemberRole


class OrgRole(BaseModel):
    id: uuid.UUID
    role: MemberRole


class SessionInfo(BaseModel):
    """Sent once a socket is accepted."""

    user_id: uuid.UUID
    organizations: list[OrgRole]
    server_time: datetime
    expires_at: datetime


class AuthRefresh(Request):
    token: Annotated[str, StringConstraints(min_length=1, max_length=8192)]


class AuthRefreshed(BaseModel):
    expires_at: datetime
