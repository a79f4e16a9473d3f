"""The facts that decide whether a user reads a channel, gathered in one statement.

`server/services/chat/channels.py` decides (with `server/policy.py`); this module only reads,
in one round trip, what that decision needs: the reader's role in the organization, the
channel's name, the group membership or the project's client contact, and the reader's
read pointer. Every chat event resolves its channel, so this is on the path of every
message sent.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, and_, bindparam, false, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from protocol.enums import ChannelType

from .channels import read_pointer
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
    description: str | None = None
    archived: bool = False
    # The reader's own mute of the channel.
    muted: bool = False


# The statements are built once, with bound parameters: building one and its cache key
# per event cost more than running it.
_ORG = bindparam("org_id", type_=UserOrganization.organization_id.type)
_USER = bindparam("user_id", type_=UserOrganization.user_id.type)
_PEER = bindparam("peer_id", type_=UserOrganization.user_id.type)
_KIND = bindparam("channel_type", type_=ChannelReadState.channel_type.type)
_CHANNEL = bindparam("channel_id", type_=ChannelReadState.channel_id.type)
_READ = read_pointer(_USER, _KIND, _CHANNEL)
_READ_SEQ = func.coalesce(ChannelReadState.read_seq, 0)
_MUTED = func.coalesce(ChannelReadState.muted, false())
_NONE = literal(None, type_=String)


def _membership(org_column: Any) -> Any:
    return and_(UserOrganization.organization_id == org_column, UserOrganization.user_id == _USER)


@functools.cache
def _reader_statement(kind: ChannelType) -> Any:
    """Name, role, read pointer, group membership, client contact, description, archived
    and mute of a channel."""
    stmt: Any
    if kind is ChannelType.ORGANIZATION:
        oc = OrganizationChannel
        stmt = (
            select(
                oc.name,
                UserOrganization.role,
                _READ_SEQ,
                literal(False),
                literal(None),
                oc.description,
                oc.archived_at.is_not(None),
                _MUTED,
            )
            .select_from(oc)
            .join(UserOrganization, _membership(oc.organization_id))
            .where(oc.organization_id == _ORG, oc.id == _CHANNEL)
        )
    elif kind is ChannelType.PROJECT:
        pc = ProjectChannel
        name = func.coalesce(pc.name, Projet.nom)
        stmt = (
            select(
                name,
                UserOrganization.role,
                _READ_SEQ,
                literal(False),
                Client.contact_user_id,
                _NONE,
                literal(False),
                _MUTED,
            )
            .select_from(pc)
            .join(Projet, Projet.id == pc.projet_id)
            .join(UserOrganization, _membership(pc.organization_id))
            .outerjoin(Client, Client.id == Projet.client_id)
            .where(pc.organization_id == _ORG, pc.id == _CHANNEL)
        )
    else:
        gc, gm = GroupChat, GroupChatMember
        stmt = (
            select(
                gc.name,
                UserOrganization.role,
                _READ_SEQ,
                gm.id.is_not(None),
                literal(None),
                gc.description,
                literal(False),
                _MUTED,
            )
            .select_from(gc)
            .join(UserOrganization, _membership(gc.organization_id))
            .outerjoin(
                gm,
                and_(
                    gm.organization_id == gc.organization_id,
                    gm.group_chat_id == gc.id,
                    gm.user_id == _USER,
                ),
            )
            .where(gc.organization_id == _ORG, gc.id == _CHANNEL)
        )
    return stmt.outerjoin(ChannelReadState, _READ)


def _direct_statement() -> Any:
    me, them = aliased(UserOrganization), aliased(UserOrganization)
    return (
        select(me.role, Profile.prenom, Profile.nom, _READ_SEQ, _MUTED)
        .select_from(me)
        .join(them, and_(them.organization_id == me.organization_id, them.user_id == _PEER))
        .join(Profile, Profile.id == _PEER)
        .outerjoin(ChannelReadState, _READ)
        .where(me.organization_id == _ORG, me.user_id == _USER)
    )


_DIRECT = _direct_statement()


def _params(conv: Conversation, user_id: uuid.UUID) -> dict[str, Any]:
    return {
        "org_id": conv.org_id,
        "user_id": user_id,
        "channel_type": conv.type.value,
        "channel_id": conv.channel_id,
    }


async def channel_reader(
    session: AsyncSession, conv: Conversation, user_id: uuid.UUID
) -> ReaderFacts | None:
    """Facts about an organization, project or group channel of `conv.org_id` for
    `user_id`; None when no such channel is in that organization or the user is not one
    of its members."""
    stmt = _reader_statement(conv.type)
    conn = await session.connection()  # Core: no ORM compile path for plain columns
    row = (await conn.execute(stmt, _params(conv, user_id))).first()
    if row is None:
        return None
    name, role, read, member_of_group, contact, description, archived, muted = row
    return ReaderFacts(
        role,
        name,
        int(read),
        bool(member_of_group),
        contact,
        description,
        bool(archived),
        bool(muted),
    )


async def direct_reader(
    session: AsyncSession, conv: Conversation, user_id: uuid.UUID, peer_id: uuid.UUID
) -> ReaderFacts | None:
    """Facts about the direct conversation `conv` between `user_id` and `peer_id`
    (named by the peer's full name); None unless both are members of `conv.org_id`."""
    params = {**_params(conv, user_id), "peer_id": peer_id}
    conn = await session.connection()
    row = (await conn.execute(_DIRECT, params)).first()
    if row is None:
        return None
    role, prenom, nom, read, muted = row
    return ReaderFacts(role, f"{prenom} {nom}", int(read), muted=bool(muted))
