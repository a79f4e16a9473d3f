"""Payloads of server-to-client events that are built as plain dicts where they are emitted.

They give those events a schema in the AsyncAPI document (protocol/events.py) and give
clients something to type against; the tests check live payloads against them.
"""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel

from .chat import ChannelKey
from .enums import ChannelType


class Typing(BaseModel):
    """Someone else is typing, or stopped (`typing: false`, also sent on expiry)."""

    channel: ChannelKey
    user_id: uuid.UUID
    typing: bool


class ChannelReadPush(BaseModel):
    """The same user moved their read pointer on another device."""

    channel: ChannelKey
    read_seq: int
    unread_count: int


class MessageReadReceipt(BaseModel):
    """The peer of a direct conversation read up to `seq`."""

    channel: ChannelKey
    reader_id: uuid.UUID
    seq: int


class ChannelRemoved(BaseModel):
    """The user no longer reads this channel; their sockets left its room."""

    type: ChannelType
    id: uuid.UUID
    organization_id: uuid.UUID


class NotificationsRead(BaseModel):
    """Notifications were marked read on another device of the same user."""

    ids: list[uuid.UUID]
    all: bool
    unread_count: int


class AuthExpired(BaseModel):
    """The socket's access token expired without `auth:refresh`; the server disconnects."""

    message: str


class OrganizationRemoved(BaseModel):
    """The user is no longer a member of this organization."""

    organization_id: uuid.UUID


class Empty(BaseModel):
    """An acknowledgement without data: `{}`."""


class MessageDeletedAck(BaseModel):
    message_id: uuid.UUID


class PresenceChosen(BaseModel):
    status: Literal["online", "away"]
