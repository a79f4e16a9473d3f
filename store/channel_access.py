"""The facts that decide whether a user reads a channel, gathered in one statement.

`server/services/channels.py` decides (with `server/policy.py`); this module only reads,
in one round trip, what that decision needs: the reader's role in the organization, the
channel's name, the group membership or the project's client contact, and the reader's
read pointer. Every chat event resolves its channel, so this is on the path of every
message sent.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from protocol.enums import ChannelType

from .messages import Conversation
from .models import (
    ChannelReadState,
    Client,
    GroupChat,
    GroupChatMember,
    OrganizationChannel,
    Profile,
    ProjectChannel,
    Projet,
    UserOrganization,
)


@dataclass(frozen=True)
class ReaderFacts:
    """A member's view of a channel of their organization."""

    role: str
    name: str
    read_seq: int
    # Group channels: whether the reader belongs to the group.
    in_group: bool = False
    # Project channels: the contact user of the project's client, if any.
    client_contact_id: uuid.UUID | None = None


def _read_seq(conv: Conversation, user_id: uuid.UUID) -> Any:
    return and_(
        ChannelReadState.user_id == user_id,
        ChannelReadState.channel_type == conv.type.value,
        ChannelReadState.channel_id == conv.channel_id,
    )


def _membership(org_column: Any, user_id: uuid.UUID) -> Any:
    return and_(UserOrganization.organization_id == org_column, UserOrganization.user_id == user_id)


async def channel_reader(
    session: AsyncSession, conv: Conversation, user_id: uuid.UUID
) -> ReaderFacts | None:
    """Facts about an organization, project or group channel of `conv.org_id` for
    `user_id`; None when no such channel is in that organization or the user is not one
    of its members."""
    read_seq = func.coalesce(ChannelReadState.read_seq, 0)
    stmt: Any
    if conv.type is ChannelType.ORGANIZATION:
        oc = OrganizationChannel
        stmt = (
            select(oc.name, UserOrganization.role, read_seq, literal(False), literal(None))
            .select_from(oc)
            .join(UserOrganization, _membership(oc.organization_id, user_id))
            .where(oc.organization_id == conv.org_id, oc.id == conv.channel_id)
        )
    elif conv.type is ChannelType.PROJECT:
        pc = ProjectChannel
        name = func.coalesce(pc.name, Projet.nom)
        stmt = (
            select(name, UserOrganization.role, read_seq, literal(False), Client.contact_user_id)
            .select_from(pc)
            .join(Projet, Projet.id == pc.projet_id)
            .join(UserOrganization, _membership(pc.organization_id, user_id))
            .outerjoin(Client, Client.id == Projet.client_id)
            .where(pc.organization_id == conv.org_id, pc.id == conv.channel_id)
        )
    else:
        gc, gm = GroupChat, GroupChatMember
        in_group = gm.id.is_not(None)
        stmt = (
            select(gc.name, UserOrganization.role, read_seq, in_group, literal(None))
            .select_from(gc)
            .join(UserOrganization, _membership(gc.organization_id, user_id))
            .outerjoin(
                gm,
                and_(
                    gm.organization_id == gc.organization_id,
                    gm.group_chat_id == gc.id,
                    gm.user_id == user_id,
                ),
            )
            .where(gc.organization_id == conv.org_id, gc.id == conv.channel_id)
        )
    stmt = stmt.outerjoin(ChannelReadState, _read_seq(conv, user_id))
    row = (await session.execute(stmt)).first()
    if row is None:
        return None
    name, role, read, member_of_group, contact = row
    return ReaderFacts(role, name, int(read), bool(member_of_group), contact)


async def direct_reader(
    session: AsyncSession, conv: Conversation, user_id: uuid.UUID, peer_id: uuid.UUID
) -> ReaderFacts | None:
    """Facts about the direct conversation `conv` between `user_id` and `peer_id`
    (named by the peer's full name); None unless both are members of `conv.org_id`."""
    me, them = aliased(UserOrganization), aliased(UserOrganization)
    stmt = (
        select(
            me.role,
            Profile.prenom,
            Profile.nom,
            func.coalesce(ChannelReadState.read_seq, 0),
        )
        .select_from(me)
        .join(them, and_(them.organization_id == me.organization_id, them.user_id == peer_id))
        .join(Profile, Profile.id == peer_id)
        .outerjoin(ChannelReadState, _read_seq(conv, user_id))
        .where(me.organization_id == conv.org_id, me.user_id == user_id)
    )
    row = (await session.execute(stmt)).first()
    if row is None:
        return None
    role, prenom, nom, read = row
    return ReaderFacts(role, f"{prenom} {nom}", int(read))
