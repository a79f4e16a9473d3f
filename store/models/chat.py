"""Channels, group chats, messages, reactions and the per-channel sequence and read cursors.

A channel is `(channel_type, channel_id)`: the channel's own id for organization, project
and group channels; for a direct conversation, `direct_messages.conversation_id`.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Index,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from protocol.enums import ChannelType

from .base import Base, CreatedAt, OrgScoped, Timestamps, UUIDPk, fk, in_check, utcnow

# Direct messages have their own table; channel_messages holds the other three kinds.
CHANNEL_MESSAGE_TYPES = (ChannelType.ORGANIZATION, ChannelType.PROJECT, ChannelType.GROUP)


class OrganizationChannel(UUIDPk, OrgScoped, Timestamps, Base):
    __tablename__ = "organization_channels"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID] = fk("profiles.id", index=True)
    # Set while the channel is archived: still read, no longer posted to.
    archived_at: Mapped[datetime | None]


class ProjectChannel(UUIDPk, OrgScoped, Timestamps, Base):
    """Created with its project; `name` NULL means the project's name."""

    __tablename__ = "project_channels"

    projet_id: Mapped[uuid.UUID] = fk("projet.id", "CASCADE", unique=True)
    name: Mapped[str | None] = mapped_column(Text)


class GroupChat(UUIDPk, OrgScoped, Timestamps, Base):
    __tablename__ = "group_chats"

    name: Mapped[str] = mapped_column(String)
    description: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID] = fk("users.id", index=True)


class GroupChatMember(UUIDPk, OrgScoped, Base):
    __tablename__ = "group_chat_members"
    __table_args__ = (UniqueConstraint("group_chat_id", "user_id"),)

    group_chat_id: Mapped[uuid.UUID] = fk("group_chats.id", "CASCADE")
    user_id: Mapped[uuid.UUID] = fk("users.id", "CASCADE", index=True)
    joined_at: Mapped[datetime | None] = mapped_column(default=utcnow, server_default=func.now())


class MessageBody:
    """What a message of either table holds besides its address: the text, the thread it
    answers (`parent_id`, a message of the same table), edits, deletion and pins."""

    content: Mapped[str] = mapped_column(Text)
    client_msg_id: Mapped[str | None] = mapped_column(String(64))
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    # Threads (on the root): how many replies, and when the last one came. Pins: when and
    # by whom the message was pinned.
    reply_count: Mapped[int] = mapped_column(default=0, server_default="0")
    last_reply_at: Mapped[datetime | None]
    pinned_at: Mapped[datetime | None]
    pinned_by: Mapped[uuid.UUID | None]

    @declared_attr
    def parent_id(cls) -> Mapped[uuid.UUID | None]:
        target = f"{cls.__tablename__}.id"  # type: ignore[attr-defined]
        return fk(target, "SET NULL", index=True)


class ChannelMessage(UUIDPk, OrgScoped, MessageBody, Timestamps, Base):
    """A message of an organization, project or group channel.

    `seq` numbers the channel's messages from 1 without gaps (taken from
    `channel_sequences`); a deleted message stays as a tombstone (`deleted_at` set,
    content emptied) so the sequence stays whole. `client_msg_id` makes a retried send
    find the first one.
    """

    __tablename__ = "channel_messages"
    __table_args__ = (
        # Also serves the schema's (channel_id, channel_type) index, so that one is not repeated.
        UniqueConstraint("channel_type", "channel_id", "seq", name="uq_channel_messages_seq"),
        UniqueConstraint(
            "channel_type",
            "channel_id",
            "sender_id",
            "client_msg_id",
            name="uq_channel_messages_client_msg_id",
        ),
        # Search's newest matches of one organization (migration 0013).
        Index("ix_channel_messages_organization_id_created_at", "organization_id", "created_at"),
        # `sync`'s changed messages: a range over updated_at, seq checked in the index.
        Index("ix_channel_messages_sync", "channel_type", "channel_id", "updated_at", "seq"),
        # A channel's pins, newest first.
        Index("ix_channel_messages_pins", "channel_type", "channel_id", "pinned_at"),
        in_check("channel_type", "channel_type", CHANNEL_MESSAGE_TYPES),
        CheckConstraint("seq >= 1", name="seq_positive"),
    )

    channel_id: Mapped[uuid.UUID]
    channel_type: Mapped[str] = mapped_column(Text)
    seq: Mapped[int] = mapped_column(BigInteger)
    sender_id: Mapped[uuid.UUID] = fk("profiles.id", index=True)


class DirectMessage(UUIDPk, OrgScoped, MessageBody, Timestamps, Base):
    """A one-to-one message; `conversation_id` names the unordered pair of users within
    the organization (computed by the service) and is the channel id of its sequence.
    """

    __tablename__ = "direct_messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq", name="uq_direct_messages_seq"),
        UniqueConstraint(
            "conversation_id",
            "sender_id",
            "client_msg_id",
            name="uq_direct_messages_client_msg_id",
        ),
        Index("ix_direct_messages_sender_id_recipient_id", "sender_id", "recipient_id"),
        Index("ix_direct_messages_sync", "conversation_id", "updated_at", "seq"),
        Index("ix_direct_messages_pins", "conversation_id", "pinned_at"),
        CheckConstraint("sender_id <> recipient_id", name="not_self"),
        CheckConstraint("seq >= 1", name="seq_positive"),
    )

    conversation_id: Mapped[uuid.UUID]
    seq: Mapped[int] = mapped_column(BigInteger)
    sender_id: Mapped[uuid.UUID] = fk("profiles.id", "CASCADE")
    recipient_id: Mapped[uuid.UUID] = fk("profiles.id", "CASCADE", index=True)
    read_at: Mapped[datetime | None]


class MessageReaction(UUIDPk, OrgScoped, CreatedAt, Base):
    """One user's emoji on one message, of either message table (exactly one is set)."""

    __tablename__ = "message_reactions"
    __table_args__ = (
        UniqueConstraint(
            "channel_message_id", "user_id", "emoji", name="uq_message_reactions_channel"
        ),
        UniqueConstraint(
            "direct_message_id", "user_id", "emoji", name="uq_message_reactions_direct"
        ),
        CheckConstraint(
            "(channel_message_id IS NULL) <> (direct_message_id IS NULL)",
            name="one_message",
        ),
    )

    channel_message_id: Mapped[uuid.UUID | None] = fk("channel_messages.id", "CASCADE")
    direct_message_id: Mapped[uuid.UUID | None] = fk("direct_messages.id", "CASCADE")
    user_id: Mapped[uuid.UUID] = fk("profiles.id", "CASCADE", index=True)
    emoji: Mapped[str] = mapped_column(String(64))


class ChannelSequence(OrgScoped, Base):
    """The last `seq` given in a channel.

    A sender increments it with `UPDATE ... RETURNING last_seq` in the transaction that
    stores the message; the row lock serializes senders of one channel, so `seq` is
    gap-free and commits in `seq` order.
    """

    __tablename__ = "channel_sequences"
    __table_args__ = (
        PrimaryKeyConstraint("channel_type", "channel_id"),
        in_check("channel_type", "channel_type", ChannelType),
        CheckConstraint("last_seq >= 0", name="last_seq_non_negative"),
    )

    channel_type: Mapped[str] = mapped_column(Text)
    channel_id: Mapped[uuid.UUID]
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class ChannelReadState(OrgScoped, Base):
    """The highest `seq` a user has read in a channel, shared by all their devices."""

    __tablename__ = "channel_read_states"
    __table_args__ = (
        PrimaryKeyConstraint("user_id", "channel_type", "channel_id"),
        in_check("channel_type", "channel_type", ChannelType),
        CheckConstraint("read_seq >= 0", name="read_seq_non_negative"),
    )

    user_id: Mapped[uuid.UUID] = fk("users.id", "CASCADE")
    channel_type: Mapped[str] = mapped_column(Text)
    channel_id: Mapped[uuid.UUID]
    read_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # The user's mute: the channel then notifies them only when they are mentioned. No
    # Python-side default: store.posting's INSERT ... SELECT would send it as NULL.
    muted: Mapped[bool] = mapped_column(server_default=false())
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, server_default=func.now()
    )
