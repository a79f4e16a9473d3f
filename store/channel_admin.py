"""Managing channels: renaming, archiving and deleting organization channels, group
details, and each user's mute. Decisions are the services' (server/policy.py)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from protocol.enums import ChannelType

from .channels import group_members_where, upsert_read_state
from .messages import Conversation
from .models import (
    ChannelMessage,
    ChannelReadState,
    ChannelSequence,
    GroupChatMember,
    MessageReaction,
    OrganizationChannel,
    Profile,
)
from .scoped import delete_row, delete_where


async def delete_conversation(session: AsyncSession, conv: Conversation) -> None:
    """Every message of an organization, project or group channel, their reactions, its
    sequence and its read pointers. The channel row itself is the caller's to delete."""
    message_ids = select(ChannelMessage.id).where(*conv.where())
    await delete_where(
        session, MessageReaction, MessageReaction.channel_message_id.in_(message_ids)
    )
    # Replies point at their root (ON DELETE SET NULL); deleting the lot at once is fine.
    for model in (ChannelMessage, ChannelSequence, ChannelReadState):
        table: Any = model
        in_channel = (table.channel_type == conv.type.value, table.channel_id == conv.channel_id)
        await delete_where(session, table, table.organization_id == conv.org_id, *in_channel)


async def delete_org_channel(session: AsyncSession, channel: OrganizationChannel) -> None:
    conv = Conversation(channel.organization_id, ChannelType.ORGANIZATION, channel.id)
    await delete_conversation(session, conv)
    await delete_row(session, channel)


async def group_members(
    session: AsyncSession, *, org_id: uuid.UUID, group_id: uuid.UUID
) -> Sequence[Row[uuid.UUID, str, str, datetime | None]]:
    """The group's members with their names, earliest first: rows of `user_id`,
    `prenom`, `nom` and `joined_at`."""
    rows = await session.execute(
        select(GroupChatMember.user_id, Profile.prenom, Profile.nom, GroupChatMember.joined_at)
        .join(Profile, Profile.id == GroupChatMember.user_id)
        .where(*group_members_where(org_id, group_id))
        .order_by(GroupChatMember.joined_at, Profile.nom, Profile.prenom)
    )
    return rows.all()


async def set_muted(
    session: AsyncSession, conv: Conversation, user_id: uuid.UUID, muted: bool
) -> None:
    """The user's mute of the channel: one upsert of their read-state row."""
    await session.execute(upsert_read_state(session, conv, user_id, {"muted": muted}))


async def muted_users(
    session: AsyncSession, conv: Conversation, user_ids: list[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of `user_ids` muted the channel."""
    if not user_ids:
        return set()
    rows = await session.scalars(
        select(ChannelReadState.user_id).where(
            ChannelReadState.user_id.in_(user_ids),
            ChannelReadState.channel_type == conv.type.value,
            ChannelReadState.channel_id == conv.channel_id,
            ChannelReadState.muted.is_(True),
        )
    )
    return set(rows)
