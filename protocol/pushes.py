"""Payloads of server-to-client events that are built as plain dicts where they are emitted.

They give those events a schema in the AsyncAPI document (protocol/events.py) and give
clients something to type against; the tests check live payloads against them.
"""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel

from .chat import ChannelKey


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


class NotificationsRead(BaseModel):
    """Notifications were marked read on another device of the same user."""

    ids: list[uuid.UUID]
    all: bool
    unread_count: int


class Empty(BaseModel):
    """An acknowledgement without data: `{}`."""


class MessageDeletedAck(BaseModel):
    message_id: uuid.UUID


class PresenceChosen(BaseModel):
    status: Literal["online", "away"]
