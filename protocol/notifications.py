"""Notifications and the activity feed."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .common import ListQuery, Request
from .enums import NotificationChannel, NotificationType


class NotificationOut(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    type: NotificationType
    title: str
    message: str | None
    link: str | None
    metadata: dict[str, Any]
    read_at: datetime | None
    created_at: datetime


# Each type's channel until the user chooses another: mentions and direct messages are
# also mailed in the digest (as before preferences existed), every other type stays in
# the app.
DEFAULT_CHANNELS: dict[NotificationType, NotificationChannel] = {
    t: (
        NotificationChannel.EMAIL
        if t in (NotificationType.MENTION, NotificationType.DIRECT_MESSAGE)
        else NotificationChannel.IN_APP
    )
    for t in NotificationType
}


class NotificationPreferences(BaseModel):
    """The channel of every notification type for the user (their choice or the
    default), and the defaults."""

    preferences: dict[NotificationType, NotificationChannel]
    defaults: dict[NotificationType, NotificationChannel]


class NotificationPreferencesPut(Request):
    """The channels to set, by type; a type left out keeps its current channel."""

    preferences: dict[NotificationType, NotificationChannel]


class NotificationNew(BaseModel):
    notification: NotificationOut
    unread_count: int


class NotificationQuery(ListQuery):
    organization_id: uuid.UUID | None = None
    unread_only: bool = False


class NotificationListRequest(Request):
    cursor: str | None = Field(default=None, max_length=512)
    limit: int = Field(default=50, ge=1, le=200)
    unread_only: bool = False
    organization_id: uuid.UUID | None = None


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    unread_count: int
    next_cursor: str | None


class NotificationRead(Request):
    """`{ids: [...]}` or `{all: true}`."""

    ids: list[uuid.UUID] | None = Field(default=None, max_length=500)
    all: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> NotificationRead:
        if (self.ids is None) == (not self.all):
            raise ValueError("give either ids or all: true")
        return self


class UnreadCount(BaseModel):
    unread_count: int


class ActivityQuery(ListQuery):
    resource_type: str | None = Field(default=None, max_length=64)
    resource_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None


class ActivityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    organization_id: uuid.UUID
    user_id: uuid.UUID
    action: str
    description: str | None
    resource_type: str | None
    resource_id: uuid.UUID | None
    metadata: dict[str, Any]
    created_at: datetime


class ProjectSubscription(Request):
    project_id: uuid.UUID
