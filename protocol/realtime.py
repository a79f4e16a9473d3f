"""Payloads of the connection-level Socket.IO events."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints

from .common import Request
from .enums import ChannelType, MemberRole


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


class AsyncApiDocument(BaseModel):
    """`GET /api/v1/asyncapi.json`: an AsyncAPI 3.0 document (the spec's own schema holds
    the rest; only the top-level members are named here)."""

    model_config = ConfigDict(extra="allow")

    asyncapi: str
    info: dict[str, Any]
    channels: dict[str, Any]
    operations: dict[str, Any]
    components: dict[str, Any]


class OrganizationRef(BaseModel):
    id: uuid.UUID
    name: str
    slug: str


class OrganizationAdded(BaseModel):
    """The user became a member while connected: their sockets are in its rooms now."""

    organization: OrganizationRef
    role: MemberRole


class OrganizationRemoved(BaseModel):
    """The user is no longer a member: their sockets left every room of it."""

    organization_id: uuid.UUID


class RemovedChannel(BaseModel):
    type: ChannelType
    id: uuid.UUID
    organization_id: uuid.UUID


class ChannelRemoved(BaseModel):
    """The socket was in the channel's room and may no longer read it."""

    channel: RemovedChannel


class ProjectUnsubscribed(BaseModel):
    """The socket was subscribed to the project and may no longer read it."""

    project_id: uuid.UUID


class AuthExpired(BaseModel):
    """Sent just before the server disconnects the socket: its token expired, or its
    session was ended (logout, revocation)."""

    message: str
