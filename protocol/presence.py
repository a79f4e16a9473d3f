"""Presence events."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from .common import Request
from .enums import UserStatus


class PresenceSet(Request):
    status: Literal["online", "away"]


class PresenceListRequest(Request):
    organization_id: uuid.UUID


class PresenceOf(BaseModel):
    user_id: uuid.UUID
    status: UserStatus
    last_seen: datetime | None


class PresenceList(BaseModel):
    users: list[PresenceOf]


class PresenceUpdated(BaseModel):
    user_id: uuid.UUID
    organization_id: uuid.UUID
    status: UserStatus
    last_seen: datetime | None
