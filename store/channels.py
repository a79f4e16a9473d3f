"""Channels of every kind, group membership, direct conversations and read pointers."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from protocol.enums import ChannelType

from .db import insert_ignore, upsert
from .messages import Conversation
from .models import (
    ChannelReadState,
    DirectMessage,
    GroupChat,
    GroupChatMember,
    OrganizationChannel,
    ProjectChannel,
)
from .models.base import utcnow
from .scoped import Scoped, delete_where, update_where

# The organization's channels and its group chats, each addressed by its id.
org_channels = Scoped(OrganizationChannel, by_project=False)
groups = Scoped(GroupChat, by_project=False)

# A fixed namespace: the same pair in the same organization always maps to one id.
_CONVERSATIONS = uuid.UUID("5b0f3a9e-7c4d-4c8e-9a51-2f6de0c1b7a3")


def conversation_id(org_id: uuid.UUID, a: uuid.UUID, b: uuid.UUID) -> uuid.UUID:
    """The id of the direct conversation between `a` and `b` in `org_id` (order-free)."""
    low, high = sorted((a, b))
    return uuid.uuid5(_CONVERSATIONS, f"{org_id}:{low}:{high}")


async def channel_exists(
    session: AsyncSession, *, org_id: uuid.UUID, kind: ChannelType, channel_id: uuid.UUID
) -> bool:
    """Whether the organization has an organization, project or group channel of this id."""
    model: Any = {
        ChannelType.ORGANIZATION: OrganizationChannel,
        ChannelType.PROJECT: ProjectChannel,
        ChannelType.GROUP: GroupChat,
    }[kind]
    found = await session.scalar(
        select(model.id).where(model.organization_id == org_id, model.id == channel_id)
    )
    return found is not None


async def list_org_channels(
    session: AsyncSession, *, org_id: uuid.UUID
) -> list[OrganizationChannel]:
    stmt = org_channels.where(org_id, None).order_by(OrganizationChannel.name)
    return list(await session.scalars(stmt))


def group_members_where(org_id: uuid.UUID, group_id: uuid.UUID) -> tuple[ColumnElement[bool], ...]:
    """Where the membership rows of one group are."""
    return (GroupChatMember.organization_id == org_id, GroupChatMember.group_chat_id == group_id)


async def is_group_member(
    session: AsyncSession, *, org_id: uuid.UUID, group_id: uuid.UUID, user_id: uuid.UUID
) -> bool:
    stmt = select(GroupChatMember.id).where(*group_members_where(org_id, group_id))
    return await session.scalar(stmt.where(GroupChatMember.user_id == user_id)) is not None


async def add_group_member(
    session: AsyncSession, *, org_id: uuid.UUID, group_id: uuid.UUID, user_id: uuid.UUID
) -> bool:
    """Idempotent: False when already a member."""
    member = {"organization_id": org_id, "group_chat_id": group_id, "user_id": user_id}
    stmt = insert_ignore(session, GroupChatMember, {"id": uuid.uuid4(), **member})
    return bool(getattr(await session.execute(stmt), "rowcount", 0) == 1)


async def remove_group_member(
    session: AsyncSession, *, org_id: uuid.UUID, group_id: uuid.UUID, user_id: uuid.UUID
) -> bool:
    member = (*group_members_where(org_id, group_id), GroupChatMember.user_id == user_id)
    return await delete_where(session, GroupChatMember, *member) == 1


async def group_member_ids(
    session: AsyncSession, *, org_id: uuid.UUID, group_id: uuid.UUID
) -> list[uuid.UUID]:
    stmt = select(GroupChatMember.user_id).where(*group_members_where(org_id, group_id))
    return list(await session.scalars(stmt))


async def list_user_groups(
    session: AsyncSession, *, org_id: uuid.UUID, user_id: uuid.UUID
) -> list[GroupChat]:
    stmt = groups.where(org_id, None, GroupChatMember.user_id == user_id)
    joined = stmt.join(GroupChatMember, GroupChatMember.group_chat_id == GroupChat.id)
    return list(await session.scalars(joined.order_by(GroupChat.name)))


async def list_direct_peers(
    session: AsyncSession, *, org_id: uuid.UUID, user_id: uuid.UUID
) -> list[uuid.UUID]:
    """Everyone `user_id` has exchanged a direct message with in the organization."""
    sent = select(DirectMessage.recipient_id).where(
        DirectMessage.organization_id == org_id, DirectMessage.sender_id == user_id
    )
    received = select(DirectMessage.sender_id).where(
        DirectMessage.organization_id == org_id, DirectMessage.recipient_id == user_id
    )
    return list(await session.scalars(sent.union(received)))


def read_pointer(user_id: Any, kind: Any, channel_id: Any) -> ColumnElement[bool]:
    """Where the user's read-state row of a channel is (values, columns or parameters)."""
    return and_(
        ChannelReadState.user_id == user_id,
        ChannelReadState.channel_type == kind,
        ChannelReadState.channel_id == channel_id,
    )


async def get_read_seq(session: AsyncSession, conv: Conversation, user_id: uuid.UUID) -> int:
    where = read_pointer(user_id, conv.type.value, conv.channel_id)
    return int(await session.scalar(select(ChannelReadState.read_seq).where(where)) or 0)


def upsert_read_state(
    session: AsyncSession,
    conv: Conversation,
    user_id: uuid.UUID,
    values: dict[str, Any],
    where: Any = None,
) -> Any:
    """One upsert of the user's read-state row of the channel, setting `values` (and
    `updated_at`) on the stored row when `where` holds."""
    key = {
        "organization_id": conv.org_id,
        "user_id": user_id,
        "channel_type": conv.type.value,
        "channel_id": conv.channel_id,
    }
    return upsert(
        session,
        ChannelReadState,
        {**key, **values},
        conflict=[
            ChannelReadState.user_id,
            ChannelReadState.channel_type,
            ChannelReadState.channel_id,
        ],
        set_={**values, "updated_at": utcnow()},
        where=where,
    )


async def raise_read_seq(
    session: AsyncSession, conv: Conversation, user_id: uuid.UUID, seq: int
) -> None:
    """Move the read pointer forward to `seq`, never back: one upsert."""
    stmt = upsert_read_state(
        session, conv, user_id, {"read_seq": seq}, where=ChannelReadState.read_seq < seq
    )
    await session.execute(stmt)


async def advance_read_seq(
    session: AsyncSession, conv: Conversation, user_id: uuid.UUID, seq: int
) -> int:
    """Move the read pointer forward only (never back); returns the pointer after."""
    await raise_read_seq(session, conv, user_id, seq)
    return await get_read_seq(session, conv, user_id)


async def mark_direct_read(
    session: AsyncSession, conv: Conversation, reader_id: uuid.UUID, upto_seq: int, now: Any
) -> None:
    """Set `read_at` on the messages the reader received up to `upto_seq`."""
    await update_where(
        session,
        DirectMessage,
        DirectMessage.organization_id == conv.org_id,
        DirectMessage.conversation_id == conv.channel_id,
        DirectMessage.recipient_id == reader_id,
        DirectMessage.seq <= upto_seq,
        DirectMessage.read_at.is_(None),
        read_at=now,
    )
