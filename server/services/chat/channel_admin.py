"""Managing channels once they exist: organization channels renamed, described, archived
or deleted; group details and renames; each user's mute.

Who hears of a change is decided here with policy: `channel:updated` reaches the user
room of everyone who reads the channel (never the organization's room, which holds its
clients too); `channel:removed` goes through `revoke_channel_access`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from protocol import chat as p
from protocol import events
from protocol.enums import ChannelType, MemberRole
from protocol.errors import AppError, ErrorCode, not_found
from protocol.realtime import ChannelRemoved, RemovedChannel
from store import channel_admin, channels, organizations
from store import uploads as upload_store
from store.messages import Conversation
from store.models import GroupChat, OrganizationChannel

from ...actor import Actor
from ...audience import user_room
from ...policy import Action, Member, require_member, role_reads_org_channels
from ..access import channel_access_changed
from ..core import Services, Tx, found
from ..resource import log, out_of
from . import channels as channel_service
from . import uploads


def revoke_channel_access(
    tx: Tx, org_id: uuid.UUID, key: p.ChannelKey, user_ids: list[uuid.UUID]
) -> None:
    """`user_ids` may no longer read the channel `key` (it was deleted, or they left it).
    After the commit the live-rights signal re-checks every socket in the channel's room
    on every process (those that lost it leave the room), and every socket of each user
    hears `channel:removed` once, through the user's own room, so a sidebar drops the
    channel whether or not it was open."""
    channel_access_changed(tx, org_id, key.type, key.id, silent=True)
    payload = ChannelRemoved(
        channel=RemovedChannel(type=key.type, id=key.id, organization_id=org_id)
    )
    for user_id in user_ids:
        tx.emit(events.CHANNEL_REMOVED, payload, user_room(user_id))


def _announce_update(tx: Tx, info: p.ChannelInfo, user_ids: list[uuid.UUID]) -> None:
    for user_id in user_ids:
        tx.emit(events.CHANNEL_UPDATED, info, user_room(user_id))


async def org_channel_readers(session: AsyncSession, org_id: uuid.UUID) -> list[uuid.UUID]:
    """Everyone who reads the organization's channels (policy: all roles but CLIENT)."""
    roles = await organizations.member_roles(session, org_id=org_id)
    return [user_id for user_id, role in roles.items() if role_reads_org_channels(MemberRole(role))]


def org_channel_info(channel: OrganizationChannel) -> p.ChannelInfo:
    archived = channel.archived_at is not None
    return out_of(p.ChannelInfo, channel, type=ChannelType.ORGANIZATION, archived=archived)


def group_info(group: GroupChat) -> p.ChannelInfo:
    return out_of(p.ChannelInfo, group, type=ChannelType.GROUP, archived=False)


async def _locked_channel(
    tx: Tx, actor: Actor, org_id: uuid.UUID, channel_id: uuid.UUID, action: Action
) -> OrganizationChannel:
    """The organization's channel, locked, for a member whose role holds `action`."""
    await require_member(tx.session, org_id, actor.user_id, action)
    channel = await channels.org_channels.get(
        tx.session, org_id=org_id, row_id=channel_id, for_update=True
    )
    return found(channel, "channel")


async def update_org_channel(
    svc: Services, actor: Actor, org_id: uuid.UUID, channel_id: uuid.UUID, req: p.OrgChannelUpdate
) -> p.ChannelInfo:
    """Managers and above rename, describe, archive and unarchive; every reader hears it."""
    async with svc.tx() as tx:
        channel = await _locked_channel(tx, actor, org_id, channel_id, Action.MANAGE_CHANNELS)
        if req.name is not None and await channels.org_channels.taken(
            tx.session, org_id, OrganizationChannel.name == req.name, channel_id
        ):
            raise AppError(ErrorCode.CONFLICT, "a channel with this name exists")
        before = org_channel_info(channel)
        if req.name is not None:
            channel.name = req.name
        if "description" in req.model_fields_set:
            channel.description = req.description
        if req.archived is not None and req.archived != before.archived:
            channel.archived_at = datetime.now(UTC) if req.archived else None
        info = org_channel_info(channel)
        if info == before:
            return info
        await tx.session.flush()
        meta = {"name": info.name, "archived": info.archived}
        await log(tx, actor, org_id, "CHANNEL_UPDATED", "channel", channel.id, meta)
        _announce_update(tx, info, await org_channel_readers(tx.session, org_id))
        return info


async def delete_org_channel(
    svc: Services, actor: Actor, org_id: uuid.UUID, channel_id: uuid.UUID
) -> None:
    """Admins delete a channel and every message in it; its readers lose it at once."""
    async with svc.tx() as tx:
        channel = await _locked_channel(tx, actor, org_id, channel_id, Action.DELETE_CHANNELS)
        name = channel.name
        conv = Conversation(org_id, ChannelType.ORGANIZATION, channel_id)
        files = await upload_store.keys_of_conversation(tx.session, conv)
        await channel_admin.delete_org_channel(tx.session, channel)
        uploads.delete_after_commit(svc, tx, files)
        await log(tx, actor, org_id, "CHANNEL_DELETED", "channel", channel_id, {"name": name})
        key = p.ChannelKey(type=ChannelType.ORGANIZATION, id=channel_id)
        revoke_channel_access(tx, org_id, key, await org_channel_readers(tx.session, org_id))


async def member_group(
    session: AsyncSession, actor: Actor, org_id: uuid.UUID, group_id: uuid.UUID
) -> tuple[Member, GroupChat]:
    """The caller's membership and the group, for one of its members; anyone else is
    answered as if it did not exist."""
    member = await require_member(session, org_id, actor.user_id)
    group = await channels.groups.get(session, org_id=org_id, row_id=group_id)
    if group is None or not await channels.is_group_member(
        session, org_id=org_id, group_id=group_id, user_id=actor.user_id
    ):
        raise not_found("group")
    return member, group


async def get_group(
    svc: Services, actor: Actor, org_id: uuid.UUID, group_id: uuid.UUID
) -> p.GroupDetail:
    async with svc.sessions() as session:
        _, group = await member_group(session, actor, org_id, group_id)
        rows = await channel_admin.group_members(session, org_id=org_id, group_id=group_id)
        members = [out_of(p.GroupMember, row) for row in rows]
        return p.GroupDetail(
            channel=group_info(group), created_by=group.created_by, members=members
        )


async def update_group(
    svc: Services, actor: Actor, org_id: uuid.UUID, group_id: uuid.UUID, req: p.GroupUpdate
) -> p.ChannelInfo:
    """Any member renames or describes the group (as any member adds people to it)."""
    async with svc.tx() as tx:
        _, group = await member_group(tx.session, actor, org_id, group_id)
        before = group_info(group)
        if req.name is not None:
            group.name = req.name
        if "description" in req.model_fields_set:
            group.description = req.description
        info = group_info(group)
        if info == before:
            return info
        await tx.session.flush()
        members = await channels.group_member_ids(tx.session, org_id=org_id, group_id=group_id)
        _announce_update(tx, info, members)
        return info


async def set_settings(
    svc: Services, actor: Actor, ref: p.ChannelRef, req: p.ChannelSettings
) -> p.ChannelSettingsOut:
    """The caller's own settings of a channel they read (others are answered as missing)."""
    async with svc.tx() as tx:
        channel = await channel_service.resolve(tx.session, actor.user_id, ref)
        await channel_admin.set_muted(tx.session, channel.conv, actor.user_id, req.muted)
        return p.ChannelSettingsOut(channel=channel.key, muted=req.muted)
