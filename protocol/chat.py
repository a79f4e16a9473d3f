"""Channels, messages, reactions, read state and typing: REST and Socket.IO payloads."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator

from .common import ListQuery, Name, Request, ShortText
from .enums import ChannelType
from .files import Attachment

MAX_CONTENT = 4000
ClientMsgId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Emoji = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
Seq = Annotated[int, Field(ge=0, le=2**53)]


class ChannelRef(Request):
    """A channel as clients name it. For `direct`, `id` is the peer's user id and
    `organization_id` says which organization's conversation (needed only when the two
    users share more than one)."""

    type: ChannelType
    id: uuid.UUID
    organization_id: uuid.UUID | None = None


class ChannelKey(BaseModel):
    """The channel named in server payloads (for `direct`: the peer, as each side sees it)."""

    type: ChannelType
    id: uuid.UUID


def _clean_content(value: str) -> str:
    trimmed = value.strip()
    if not trimmed:
        raise ValueError("content is empty")
    if len(trimmed) > MAX_CONTENT:
        raise ValueError(f"content is longer than {MAX_CONTENT} characters")
    return trimmed


class MessageSend(Request):
    channel: ChannelRef
    content: Annotated[str, StringConstraints(max_length=MAX_CONTENT * 4)]
    client_msg_id: ClientMsgId
    parent_id: uuid.UUID | None = None
    # The sender's own uploads of the organization, not yet attached to a message.
    attachment_ids: list[uuid.UUID] = Field(default_factory=list, max_length=10)

    _content = field_validator("content")(_clean_content)


class MessageEdit(Request):
    message_id: uuid.UUID
    content: Annotated[str, StringConstraints(max_length=MAX_CONTENT * 4)]

    _content = field_validator("content")(_clean_content)


class MessageRef(Request):
    message_id: uuid.UUID


class HistoryQuery(Request):
    channel: ChannelRef
    before_seq: Seq | None = None
    after_seq: Seq | None = None
    limit: int = Field(default=50, ge=1, le=100)


class SyncCursor(Request):
    channel: ChannelRef
    after_seq: Seq


class SyncRequest(Request):
    cursors: list[SyncCursor] = Field(max_length=200)
    limit: int = Field(default=100, ge=1, le=500)


class ReactionChange(Request):
    message_id: uuid.UUID
    emoji: Emoji


class TypingSignal(Request):
    channel: ChannelRef
    typing: bool


class ReadMark(Request):
    channel: ChannelRef
    seq: Seq


class ThreadQuery(Request):
    """`message:thread`: the root and a page of its replies, the newest `limit` before
    `before_seq` (ascending)."""

    message_id: uuid.UUID
    before_seq: Seq | None = None
    limit: int = Field(default=50, ge=1, le=100)


class ChannelJoin(Request):
    channel: ChannelRef


class Reaction(BaseModel):
    emoji: str
    count: int
    user_ids: list[uuid.UUID]


class Message(BaseModel):
    id: uuid.UUID
    seq: int
    channel: ChannelKey
    organization_id: uuid.UUID
    sender_id: uuid.UUID
    recipient_id: uuid.UUID | None = None
    content: str
    parent_id: uuid.UUID | None
    client_msg_id: str | None
    reactions: list[Reaction]
    created_at: datetime
    edited_at: datetime | None
    deleted: bool
    # Threads: replies are messages whose `parent_id` is this one.
    reply_count: int = 0
    last_reply_at: datetime | None = None
    pinned: bool = False
    pinned_at: datetime | None = None
    pinned_by: uuid.UUID | None = None
    attachments: list[Attachment] = Field(default_factory=list)


class ChannelInfo(BaseModel):
    """A channel as every payload describes it. Only organization channels are archived;
    project and direct channels have no description."""

    type: ChannelType
    id: uuid.UUID
    name: str
    organization_id: uuid.UUID
    description: str | None = None
    archived: bool = False


class ChannelState(BaseModel):
    channel: ChannelInfo
    last_seq: int
    read_seq: int
    unread_count: int
    # The caller's own setting: a muted channel notifies them only when they are mentioned.
    muted: bool = False


class History(BaseModel):
    messages: list[Message]
    has_more: bool


class Thread(BaseModel):
    root: Message
    replies: list[Message]
    has_more: bool


class SyncedChannel(BaseModel):
    channel: ChannelKey
    messages: list[Message]
    has_more: bool
    # Messages at or before the cursor edited, deleted or reacted to since the cursor's
    # message was sent, in their current state.
    changed: list[Message] = Field(default_factory=list)


class SyncResult(BaseModel):
    channels: list[SyncedChannel]


class ReactionsOut(BaseModel):
    message_id: uuid.UUID
    reactions: list[Reaction]


class ReadState(BaseModel):
    read_seq: int
    unread_count: int


class Deleted(BaseModel):
    message_id: uuid.UUID
    channel: ChannelKey


ChannelName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=80, pattern=r"^[^\s].*$"),
]


class OrgChannelCreate(Request):
    name: ChannelName
    description: ShortText | None = None


class GroupCreate(Request):
    name: Name
    description: ShortText | None = None
    member_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500)


class GroupMemberAdd(Request):
    user_id: uuid.UUID


def _no_nulls(model: Request, *fields: str) -> Request:
    """A field that may be left out of an update but never cleared."""
    for name in fields:
        if name in model.model_fields_set and getattr(model, name) is None:
            raise ValueError(f"{name} cannot be null")
    return model


class OrgChannelUpdate(Request):
    """`PATCH /orgs/{org}/channels/{id}`: fields left out stay; `description: null`
    clears it."""

    name: ChannelName | None = None
    description: ShortText | None = None
    archived: bool | None = None

    _not_null = model_validator(mode="after")(lambda self: _no_nulls(self, "name", "archived"))


class GroupUpdate(Request):
    """`PATCH /orgs/{org}/groups/{id}`: fields left out stay; `description: null` clears it."""

    name: Name | None = None
    description: ShortText | None = None

    _not_null = model_validator(mode="after")(lambda self: _no_nulls(self, "name"))


class GroupMember(BaseModel):
    user_id: uuid.UUID
    prenom: str
    nom: str
    joined_at: datetime | None


class GroupDetail(BaseModel):
    channel: ChannelInfo
    created_by: uuid.UUID
    members: list[GroupMember]


class ChannelSettings(Request):
    """`PUT /orgs/{org}/channels/{type}/{id}/settings`: the caller's own settings."""

    muted: bool


class ChannelSettingsOut(BaseModel):
    channel: ChannelKey
    muted: bool


MAX_SEARCH_QUERY = 200


def clean_search_query(value: str) -> str:
    """Control characters (NUL included, which PostgreSQL refuses in text) and lone
    surrogates become blanks; the rest is trimmed and must be 1..200 characters."""
    cleaned = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in value
    ).strip()
    if not cleaned:
        raise ValueError("q is empty")
    if len(cleaned) > MAX_SEARCH_QUERY:
        raise ValueError(f"q is longer than {MAX_SEARCH_QUERY} characters")
    return cleaned


class MessageSearchQuery(ListQuery):
    """`GET /orgs/{org}/messages/search`: every word of `q` must appear (no operators);
    `cursor` is opaque (an offset into the ranking, at most 1000 results deep)."""

    q: Annotated[str, StringConstraints(max_length=MAX_SEARCH_QUERY * 4)]

    _q = field_validator("q")(clean_search_query)


class SearchHit(BaseModel):
    message: Message
    rank: float
