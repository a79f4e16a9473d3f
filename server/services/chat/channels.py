"""Channels: who may read which, how clients name them, and what a user can see.

Every channel event and route resolves the client's `{type, id}` here, so access to a
channel is decided in one place. A channel the caller may not read is answered exactly
like a missing one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from protocol.chat import ChannelInfo, ChannelKey, ChannelRef, ChannelState
from protocol.enums import ChannelType, MemberRole
from protocol.errors import AppError, ErrorCode, not_found
from store import channel_access, channel_states, channels, messages, organizations
from store.messages import Conversation

from ...audience import channel_room, user_room
from ...policy import (
    Action,
    Member,
    caller_organizations,
    enter_organization,
    find_in_caller_orgs,
    reads_channel,
    reads_project,
)
from ..core import found, invalid
from ..resource import out_of


@dataclass(frozen=True)
class Channel:
    """A channel resolved for one reader."""

    conv: Conversation
    info: ChannelInfo
    member: Member
    peer_id: uuid.UUID | None = None
    # The reader's read pointer as the resolving transaction saw it.
    read_seq: int = 0
    # The reader's own mute of the channel.
    muted: bool = False

    @property
    def key(self) -> ChannelKey:
        return ChannelKey(type=self.info.type, id=self.info.id)

    @property
    def rooms(self) -> list[str]:
        """Where its events go: the channel's room, or both users' rooms for a DM."""
        if self.peer_id is not None:
            return [user_room(self.member.user_id), user_room(self.peer_id)]
        return [channel_room(self.info.type.value, self.info.id)]

    @property
    def keyed_rooms(self) -> list[tuple[str, ChannelKey]]:
        """Its rooms, each with the key its readers name the channel by (a direct channel
        is named by the other side); the peer's room last."""
        if self.peer_id is None:
            return [(self.rooms[0], self.key)]
        theirs = ChannelKey(type=ChannelType.DIRECT, id=self.member.user_id)
        return [(self.rooms[0], self.key), (self.rooms[1], theirs)]


class _ChannelOrgs:
    """The organization of each channel seen, by channel kind and id.

    A channel never moves to another organization, so this never goes stale: a deleted
    channel is still refused by the access query that follows. Socket events name a
    channel by its id alone; remembering its organization spares a statement per event
    and lets the transaction know the organization before its first statement. Bounded:
    emptied when full.
    """

    LIMIT = 100_000

    def __init__(self) -> None:
        self._orgs: dict[tuple[ChannelType, uuid.UUID], uuid.UUID] = {}

    async def find(
        self, session: AsyncSession, user_id: uuid.UUID, ref: ChannelRef
    ) -> uuid.UUID | None:
        key = (ref.type, ref.id)
        org_id = self._orgs.get(key)
        if org_id is None:
            org_id = await _channel_org(session, user_id, ref)
            if org_id is not None:
                if len(self._orgs) >= self.LIMIT:
                    self._orgs.clear()
                self._orgs[key] = org_id
        return org_id


_channel_orgs = _ChannelOrgs()


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


async def resolve(session: AsyncSession, user_id: uuid.UUID, ref: ChannelRef) -> Channel:
    """The channel `ref` as `user_id` reads it, or `not_found` when they may not.

    Membership, role, the channel's readability and the reader's read pointer come from
    one statement (store.channel_access); the decision is made here and in policy.
    """
    if ref.type is ChannelType.DIRECT:
        return await _resolve_direct(session, user_id, ref)
    org_id = await _channel_orgs.find(session, user_id, ref)
    if org_id is None or (ref.organization_id not in (None, org_id)):
        raise not_found("channel")
    await enter_organization(session, org_id)
    conv = Conversation(org_id, ref.type, ref.id)
    facts = found(await channel_access.channel_reader(session, conv, user_id), "channel")
    member = Member(user_id=user_id, org_id=org_id, role=MemberRole(facts.role))
    if not reads_channel(member, ref.type, facts):
        raise not_found("channel")
    info = ChannelInfo(
        type=ref.type,
        id=ref.id,
        name=facts.name,
        organization_id=org_id,
        description=facts.description,
        archived=facts.archived,
    )
    return Channel(conv, info, member, read_seq=facts.read_seq, muted=facts.muted)


async def _resolve_direct(session: AsyncSession, user_id: uuid.UUID, ref: ChannelRef) -> Channel:
    peer_id = ref.id
    if peer_id == user_id:
        raise invalid(["data", "channel", "id"], "cannot message yourself")
    org_id = ref.organization_id or await _shared_org(session, user_id, peer_id)
    conv = Conversation(
        org_id, ChannelType.DIRECT, channels.conversation_id(org_id, user_id, peer_id)
    )
    await enter_organization(session, org_id)
    facts = found(await channel_access.direct_reader(session, conv, user_id, peer_id), "channel")
    member = Member(user_id=user_id, org_id=org_id, role=MemberRole(facts.role))
    info = ChannelInfo(type=ChannelType.DIRECT, id=peer_id, name=facts.name, organization_id=org_id)
    return Channel(conv, info, member, peer_id=peer_id, read_seq=facts.read_seq, muted=facts.muted)


async def _shared_org(session: AsyncSession, a: uuid.UUID, b: uuid.UUID) -> uuid.UUID:
    """The one organization `a` and `b` both belong to: `b`'s membership is checked in
    each of `a`'s organizations, scoped to it (never by listing `b`'s organizations)."""
    shared = set()
    for org_id in await caller_organizations(session, a):
        await enter_organization(session, org_id)
        if await organizations.get_membership(session, org_id=org_id, user_id=b) is not None:
            shared.add(org_id)
    if not shared:
        raise not_found("channel")
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
    missing: str = "message",
) -> Channel:
    """The channel of a stored message, as `user_id` names it; a reader who may not read
    it is answered that the `missing` thing (the message, a file of it) does not exist."""
    if conv.direct:
        if user_id not in (sender_id, recipient_id):
            raise not_found(missing)
        peer = recipient_id if user_id == sender_id else sender_id
        assert peer is not None
        ref = ChannelRef(type=ChannelType.DIRECT, id=peer, organization_id=conv.org_id)
    else:
        ref = ChannelRef(type=conv.type, id=conv.channel_id, organization_id=conv.org_id)
    try:
        return await resolve(session, user_id, ref)
    except AppError as exc:
        if exc.code is ErrorCode.NOT_FOUND:
            raise not_found(missing) from None
        raise


async def state_of(session: AsyncSession, channel: Channel) -> ChannelState:
    user_id = channel.member.user_id
    last = await messages.last_seq(session, channel.conv)
    read = channel.read_seq
    unread = await messages.count_unread(session, channel.conv, user_id=user_id, read_seq=read)
    return ChannelState(
        channel=channel.info, last_seq=last, read_seq=read, unread_count=unread, muted=channel.muted
    )


async def _readable(
    session: AsyncSession, member: Member
) -> list[tuple[Conversation, ChannelInfo]]:
    """Every channel of the organization the member reads, by the rules `resolve`
    applies, without resolving channels one by one: where its messages live and how it
    is described. A direct conversation whose peer left the organization is left out."""
    org_id, user_id = member.org_id, member.user_id
    infos: list[tuple[Conversation, ChannelInfo]] = []

    def add(
        kind: ChannelType, channel_id: uuid.UUID, info_id: uuid.UUID, name: str, **extra: Any
    ) -> None:
        info = ChannelInfo(type=kind, id=info_id, name=name, organization_id=org_id, **extra)
        infos.append((Conversation(org_id, kind, channel_id), info))

    if member.can(Action.READ_ORG_CHANNELS):
        for oc in await channels.list_org_channels(session, org_id=org_id):
            archived = oc.archived_at is not None
            kind = ChannelType.ORGANIZATION
            add(kind, oc.id, oc.id, oc.name, description=oc.description, archived=archived)
    for pc in await channel_states.project_channels(session, org_id=org_id):
        if reads_project(member, pc.client_contact_id):
            add(ChannelType.PROJECT, pc.id, pc.id, pc.name)
    for group in await channels.list_user_groups(session, org_id=org_id, user_id=user_id):
        add(ChannelType.GROUP, group.id, group.id, group.name, description=group.description)
    peers = await channels.list_direct_peers(session, org_id=org_id, user_id=user_id)
    names = await channel_states.member_names(session, org_id=org_id, user_ids=peers)
    for peer in peers:
        if peer in names:
            conv_id = channels.conversation_id(org_id, user_id, peer)
            add(ChannelType.DIRECT, conv_id, peer, names[peer])
    return infos


async def visible_channels(session: AsyncSession, member: Member) -> list[ChannelState]:
    """Every channel of the organization the member can read, with unread counts: a
    fixed number of statements however many channels there are (issue 19)."""
    infos = await _readable(session, member)
    found = await channel_states.reader_states(session, member.user_id, [c for c, _ in infos])
    states = []
    for conv, info in infos:
        state = found[(conv.type.value, conv.channel_id)]
        states.append(out_of(ChannelState, state, channel=info, unread_count=state.unread))
    return states


async def readable_conversations(session: AsyncSession, member: Member) -> list[Conversation]:
    """Where the member's readable messages live (message search filters on all of them
    at once)."""
    return [conv for conv, _ in await _readable(session, member)]
