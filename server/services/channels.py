"""Channels: who may read which, how clients name them, and what a user can see.

Every channel event and route resolves the client's `{type, id}` here, so access to a
channel is decided in one place. A channel the caller may not read is answered exactly
like a missing one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from protocol.chat import ChannelInfo, ChannelKey, ChannelRef, ChannelState
from protocol.enums import ChannelType
from protocol.errors import AppError, ErrorCode, FieldError, not_found, validation_error
from store import channels, messages, organizations, users
from store.messages import Conversation

from ..policy import (
    Action,
    Member,
    caller_organizations,
    can_read_project,
    enter_organization,
    find_in_caller_orgs,
    member_of,
)
from ..realtime.rooms import channel_room, user_room


@dataclass(frozen=True)
class Channel:
    """A channel resolved for one reader."""

    conv: Conversation
    info: ChannelInfo
    member: Member
    peer_id: uuid.UUID | None = None

    @property
    def key(self) -> ChannelKey:
        return ChannelKey(type=self.info.type, id=self.info.id)

    @property
    def rooms(self) -> list[str]:
        """Where its events go: the channel's room, or both users' rooms for a DM."""
        if self.peer_id is not None:
            return [user_room(self.member.user_id), user_room(self.peer_id)]
        return [channel_room(self.info.type.value, self.info.id)]


def _missing() -> AppError:
    return not_found("channel")


async def resolve(session: AsyncSession, user_id: uuid.UUID, ref: ChannelRef) -> Channel:
    if ref.type is ChannelType.DIRECT:
        return await _resolve_direct(session, user_id, ref)
    org_id = await _channel_org(session, user_id, ref)
    if org_id is None:
        raise _missing()
    try:
        member = await member_of(session, org_id, user_id)
    except AppError:
        raise _missing() from None
    name = await _readable_name(session, member, ref)
    info = ChannelInfo(type=ref.type, id=ref.id, name=name, organization_id=org_id)
    return Channel(Conversation(org_id, ref.type, ref.id), info, member)


async def _channel_org(
    session: AsyncSession, user_id: uuid.UUID, ref: ChannelRef
) -> uuid.UUID | None:
    """The organization of an organization, project or group channel."""

    async def find(org_id: uuid.UUID) -> uuid.UUID | None:
        exists = await channels.channel_exists(
            session, org_id=org_id, kind=ref.type, channel_id=ref.id
        )
        return org_id if exists else None

    return await find_in_caller_orgs(session, user_id, find, ref.organization_id)


async def _readable_name(session: AsyncSession, member: Member, ref: ChannelRef) -> str:
    org_id = member.org_id
    if ref.type is ChannelType.ORGANIZATION:
        channel = await channels.get_org_channel(session, org_id=org_id, channel_id=ref.id)
        if channel is None or not member.can(Action.READ_ORG_CHANNELS):
            raise _missing()
        return channel.name
    if ref.type is ChannelType.PROJECT:
        found = await channels.get_project_channel(session, org_id=org_id, channel_id=ref.id)
        if found is None or not await can_read_project(session, member, found[1]):
            raise _missing()
        return found[0].name or found[1].nom
    group = await channels.get_group(session, org_id=org_id, group_id=ref.id)
    if group is None or not await channels.is_group_member(
        session, org_id=org_id, group_id=ref.id, user_id=member.user_id
    ):
        raise _missing()
    return group.name


async def _resolve_direct(session: AsyncSession, user_id: uuid.UUID, ref: ChannelRef) -> Channel:
    peer_id = ref.id
    if peer_id == user_id:
        raise validation_error(
            [FieldError(loc=["data", "channel", "id"], msg="cannot message yourself")]
        )
    org_id = ref.organization_id or await _shared_org(session, user_id, peer_id)
    try:
        member = await member_of(session, org_id, user_id)
        await member_of(session, org_id, peer_id)
    except AppError:
        raise _missing() from None
    peer = await users.get_profile(session, peer_id)
    if peer is None:
        raise _missing()
    conv = Conversation(
        org_id, ChannelType.DIRECT, channels.conversation_id(org_id, user_id, peer_id)
    )
    info = ChannelInfo(
        type=ChannelType.DIRECT,
        id=peer_id,
        name=f"{peer.prenom} {peer.nom}",
        organization_id=org_id,
    )
    return Channel(conv, info, member, peer_id=peer_id)


async def _shared_org(session: AsyncSession, a: uuid.UUID, b: uuid.UUID) -> uuid.UUID:
    """The one organization `a` and `b` both belong to: `b`'s membership is checked in
    each of `a`'s organizations, scoped to it (never by listing `b`'s organizations)."""
    shared = set()
    for org_id in await caller_organizations(session, a):
        await enter_organization(session, org_id)
        if await organizations.get_membership(session, org_id=org_id, user_id=b) is not None:
            shared.add(org_id)
    if not shared:
        raise _missing()
    if len(shared) > 1:
        raise AppError(
            ErrorCode.VALIDATION_ERROR,
            "you share several organizations: name one in channel.organization_id",
            [{"loc": ["data", "channel", "organization_id"], "msg": "required here"}],
        )
    return shared.pop()


async def resolve_conversation(
    session: AsyncSession,
    user_id: uuid.UUID,
    conv: Conversation,
    sender_id: uuid.UUID,
    recipient_id: uuid.UUID | None,
) -> Channel:
    """The channel of a stored message, as `user_id` names it."""
    if conv.direct:
        if user_id not in (sender_id, recipient_id):
            raise not_found("message")
        peer = recipient_id if user_id == sender_id else sender_id
        assert peer is not None
        ref = ChannelRef(type=ChannelType.DIRECT, id=peer, organization_id=conv.org_id)
    else:
        ref = ChannelRef(type=conv.type, id=conv.channel_id, organization_id=conv.org_id)
    try:
        return await resolve(session, user_id, ref)
    except AppError as exc:
        if exc.code is ErrorCode.NOT_FOUND:
            raise not_found("message") from None
        raise


async def state_of(session: AsyncSession, channel: Channel) -> ChannelState:
    user_id = channel.member.user_id
    last = await messages.last_seq(session, channel.conv)
    read = await channels.get_read_seq(session, channel.conv, user_id)
    unread = await messages.count_unread(session, channel.conv, user_id=user_id, read_seq=read)
    return ChannelState(channel=channel.info, last_seq=last, read_seq=read, unread_count=unread)


async def visible_channels(session: AsyncSession, member: Member) -> list[ChannelState]:
    """Every channel of the organization the member can read, with unread counts."""
    org_id, user_id = member.org_id, member.user_id
    refs: list[ChannelRef] = []
    if member.can(Action.READ_ORG_CHANNELS):
        for oc in await channels.list_org_channels(session, org_id=org_id):
            refs.append(ChannelRef(type=ChannelType.ORGANIZATION, id=oc.id, organization_id=org_id))
    for pc, project in await channels.list_project_channels(session, org_id=org_id):
        if await can_read_project(session, member, project):
            refs.append(ChannelRef(type=ChannelType.PROJECT, id=pc.id, organization_id=org_id))
    for group in await channels.list_user_groups(session, org_id=org_id, user_id=user_id):
        refs.append(ChannelRef(type=ChannelType.GROUP, id=group.id, organization_id=org_id))
    for peer in await channels.list_direct_peers(session, org_id=org_id, user_id=user_id):
        refs.append(ChannelRef(type=ChannelType.DIRECT, id=peer, organization_id=org_id))
    states = []
    for ref in refs:
        try:
            states.append(await state_of(session, await resolve(session, user_id, ref)))
        except AppError:
            continue  # e.g. the peer left the organization
    return states


async def readable_conversations(session: AsyncSession, member: Member) -> list[Conversation]:
    """Where the member's readable messages live, by the rules `resolve` applies, without
    resolving channels one by one (message search filters on all of them at once). A
    direct conversation whose peer left the organization is left out, as in the list."""
    org_id, user_id = member.org_id, member.user_id
    found: list[Conversation] = []
    if member.can(Action.READ_ORG_CHANNELS):
        for oc in await channels.list_org_channels(session, org_id=org_id):
            found.append(Conversation(org_id, ChannelType.ORGANIZATION, oc.id))
    for pc, project in await channels.list_project_channels(session, org_id=org_id):
        if await can_read_project(session, member, project):
            found.append(Conversation(org_id, ChannelType.PROJECT, pc.id))
    for group in await channels.list_user_groups(session, org_id=org_id, user_id=user_id):
        found.append(Conversation(org_id, ChannelType.GROUP, group.id))
    members = set(await organizations.member_user_ids(session, org_id=org_id))
    for peer in await channels.list_direct_peers(session, org_id=org_id, user_id=user_id):
        if peer in members:
            conv_id = channels.conversation_id(org_id, user_id, peer)
            found.append(Conversation(org_id, ChannelType.DIRECT, conv_id))
    return found
