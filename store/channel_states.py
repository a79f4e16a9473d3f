"""A reader's state of many channels at once: read pointer, mute, last seq and unread
count, in a fixed number of statements whatever the number of channels.

The channel list (`GET /orgs/{org}/channels`) used to resolve each channel alone, some
four statements per channel; it now asks here once for all of them (issue 19).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from protocol.enums import ChannelType

from .channels import read_pointer
from .messages import Conversation
from .models import (
    ChannelReadState,
    ChannelSequence,
    Client,
    Profile,
    ProjectChannel,
    Projet,
    UserOrganization,
)

Key = tuple[str, uuid.UUID]


@dataclass(frozen=True)
class ReaderState:
    read_seq: int = 0
    muted: bool = False
    last_seq: int = 0
    unread: int = 0


@dataclass(frozen=True)
class ProjectChannelRow:
    id: uuid.UUID
    name: str
    client_id: uuid.UUID
    client_contact_id: uuid.UUID | None


async def project_channels(session: AsyncSession, *, org_id: uuid.UUID) -> list[ProjectChannelRow]:
    """The organization's project channels with their name, their project's client and
    its contact (what decides whether a CLIENT member reads them), by project name."""
    rows = await session.execute(
        select(
            ProjectChannel.id,
            func.coalesce(ProjectChannel.name, Projet.nom),
            Projet.client_id,
            Client.contact_user_id,
        )
        .join(Projet, Projet.id == ProjectChannel.projet_id)
        .outerjoin(Client, Client.id == Projet.client_id)
        .where(ProjectChannel.organization_id == org_id)
        .order_by(Projet.nom)
    )
    return [ProjectChannelRow(*row) for row in rows.all()]


async def member_names(
    session: AsyncSession, *, org_id: uuid.UUID, user_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """The full name of each of `user_ids` who is a member of the organization."""
    ids = list(user_ids)
    if not ids:
        return {}
    rows = await session.execute(
        select(UserOrganization.user_id, Profile.prenom, Profile.nom)
        .join(Profile, Profile.id == UserOrganization.user_id)
        .where(UserOrganization.organization_id == org_id, UserOrganization.user_id.in_(ids))
    )
    return {user_id: f"{prenom} {nom}" for user_id, prenom, nom in rows.all()}


async def reader_states(
    session: AsyncSession, user_id: uuid.UUID, convs: Iterable[Conversation]
) -> dict[Key, ReaderState]:
    """Each conversation's state for `user_id`, keyed by (channel type, channel id):
    three statements for the read pointers and sequences, one per message table for the
    unread counts (messages after the pointer that someone else sent, not deleted)."""
    convs = list(convs)
    if not convs:
        return {}
    ids = [c.channel_id for c in convs]
    rows = await session.execute(
        select(
            ChannelReadState.channel_type,
            ChannelReadState.channel_id,
            ChannelReadState.read_seq,
            ChannelReadState.muted,
        ).where(ChannelReadState.user_id == user_id, ChannelReadState.channel_id.in_(ids))
    )
    reads = {(kind, cid): (int(read or 0), bool(muted)) for kind, cid, read, muted in rows.all()}
    sequences = await session.execute(
        select(
            ChannelSequence.channel_type, ChannelSequence.channel_id, ChannelSequence.last_seq
        ).where(ChannelSequence.channel_id.in_(ids))
    )
    lasts = {(kind, channel_id): int(last or 0) for kind, channel_id, last in sequences.all()}
    unread = await _unread(session, user_id, [c for c in convs if not c.direct])
    unread.update(await _unread(session, user_id, [c for c in convs if c.direct]))
    states = {}
    for conv in convs:
        key = (conv.type.value, conv.channel_id)
        read_seq, muted = reads.get(key, (0, False))
        states[key] = ReaderState(read_seq, muted, lasts.get(key, 0), unread.get(key, 0))
    return states


async def _unread(
    session: AsyncSession, user_id: uuid.UUID, convs: list[Conversation]
) -> dict[Key, int]:
    """The unread counts of `convs`, all of one message table (direct or not)."""
    if not convs:
        return {}
    m = convs[0].model()
    # A direct message's channel is its conversation, its type always DIRECT.
    prefix = (ChannelType.DIRECT.value,) if convs[0].direct else ()
    key = [m.conversation_id] if prefix else [m.channel_type, m.channel_id]
    kind = prefix[0] if prefix else m.channel_type
    rows = await session.execute(
        select(*key, func.count())
        .outerjoin(ChannelReadState, read_pointer(user_id, kind, key[-1]))
        .where(
            m.organization_id == convs[0].org_id,
            key[-1].in_([c.channel_id for c in convs]),
            m.seq > func.coalesce(ChannelReadState.read_seq, 0),
            m.sender_id != user_id,
            m.deleted_at.is_(None),
        )
        .group_by(*key)
    )
    return {(*prefix, *ids): int(n) for *ids, n in rows.all()}
