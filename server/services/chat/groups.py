"""Organization channels and group chats: creation and membership."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from protocol import events
from protocol.chat import (
    ChannelInfo,
    ChannelKey,
    ChannelState,
    GroupCreate,
    GroupMemberAdd,
    OrgChannelCreate,
)
from protocol.common import Page
from protocol.enums import ChannelType
from protocol.errors import AppError, ErrorCode, not_found
from store import channels, organizations
from store.models import OrganizationChannel

from ...actor import Actor
from ...audience import org_readers_room, user_room
from ...policy import Action, require, require_member
from ..core import Services, refuse_unknown
from ..resource import log
from . import channels as channel_service
from .channel_admin import group_info, member_group, org_channel_info, revoke_channel_access


async def list_channels(svc: Services, actor: Actor, org_id: uuid.UUID) -> Page[ChannelState]:
    async with svc.sessions() as session:
        member = await require_member(session, org_id, actor.user_id)
        states = await channel_service.visible_channels(session, member)
    return Page(items=states, next_cursor=None)


async def create_org_channel(
    svc: Services, actor: Actor, org_id: uuid.UUID, req: OrgChannelCreate
) -> ChannelInfo:
    """Managers and above open organization channels; every member but clients hears of it."""
    async with svc.tx() as tx:
        member = await require_member(tx.session, org_id, actor.user_id, Action.MANAGE_PROJECTS)
        named = OrganizationChannel.name == req.name
        if await channels.org_channels.taken(tx.session, org_id, named):
            raise AppError(ErrorCode.CONFLICT, "a channel with this name exists")
        fields = {"name": req.name, "description": req.description, "created_by": member.user_id}
        channel = await channels.org_channels.create(tx.session, org_id=org_id, fields=fields)
        info = org_channel_info(channel)
        meta = {"name": channel.name}
        await log(tx, actor, org_id, "CHANNEL_CREATED", "channel", channel.id, meta)
        # Only to the roles that read organization channels (not to CLIENT members).
        tx.emit(events.CHANNEL_ADDED, info, org_readers_room(org_id, Action.READ_ORG_CHANNELS))
        return info


async def _require_org_members(
    session: AsyncSession, org_id: uuid.UUID, user_ids: list[uuid.UUID]
) -> None:
    known = set(await organizations.member_user_ids(session, org_id=org_id))
    refuse_unknown(["body", "member_ids"], user_ids, known, "not a member of the organization")


async def create_group(
    svc: Services, actor: Actor, org_id: uuid.UUID, req: GroupCreate
) -> ChannelInfo:
    async with svc.tx() as tx:
        await require_member(tx.session, org_id, actor.user_id)
        members = list(dict.fromkeys([actor.user_id, *req.member_ids]))
        await _require_org_members(tx.session, org_id, req.member_ids)
        fields = {"name": req.name, "description": req.description, "created_by": actor.user_id}
        group = await channels.groups.create(tx.session, org_id=org_id, fields=fields)
        info = group_info(group)
        for user_id in members:
            await channels.add_group_member(
                tx.session, org_id=org_id, group_id=group.id, user_id=user_id
            )
            tx.emit(events.CHANNEL_ADDED, info, user_room(user_id))
        return info


async def add_group_member(
    svc: Services, actor: Actor, org_id: uuid.UUID, group_id: uuid.UUID, req: GroupMemberAdd
) -> ChannelInfo:
    """Any member of a group may add someone of the organization to it."""
    user_id = req.user_id
    async with svc.tx() as tx:
        _, group = await member_group(tx.session, actor, org_id, group_id)
        await _require_org_members(tx.session, org_id, [user_id])
        added = await channels.add_group_member(
            tx.session, org_id=org_id, group_id=group_id, user_id=user_id
        )
        info = group_info(group)
        if added:
            tx.emit(events.CHANNEL_ADDED, info, user_room(user_id))
        return info


async def remove_group_member(
    svc: Services, actor: Actor, org_id: uuid.UUID, group_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    """Members leave by themselves; the group's creator and organization admins remove
    others. The removed user's sockets leave the room once this commits (each socket that
    had joined it gets `channel:removed`) and hear nothing more."""
    async with svc.tx() as tx:
        member, group = await member_group(tx.session, actor, org_id, group_id)
        if user_id != actor.user_id and group.created_by != actor.user_id:
            require(member, Action.MANAGE_MEMBERS)
        if not await channels.remove_group_member(
            tx.session, org_id=org_id, group_id=group_id, user_id=user_id
        ):
            raise not_found("group member")
        key = ChannelKey(type=ChannelType.GROUP, id=group_id)
        revoke_channel_access(tx, org_id, key, [user_id])
