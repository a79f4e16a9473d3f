"""Who a new message should notify: people it mentions, and a direct message's
recipient when they have no socket connected and did not mute the conversation (a muted
channel notifies only on mentions)."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select

from protocol.chat import ChannelRef
from protocol.enums import NotificationType
from protocol.errors import AppError
from store import channel_admin, organizations
from store.messages import MessageRow
from store.models import Profile

from ..core import Services, Tx
from ..notifications import Notice, display_name, notify
from . import channels
from .channels import Channel

# `@` followed by an email or a user id.
MENTION = re.compile(
    r"@([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+|"
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
)
MAX_MENTIONS = 50
PREVIEW = 140


def mentioned(content: str) -> tuple[set[str], set[uuid.UUID]]:
    emails: set[str] = set()
    ids: set[uuid.UUID] = set()
    for token in MENTION.findall(content)[:MAX_MENTIONS]:
        if "@" in token:
            emails.add(token.lower().rstrip("."))
        else:
            ids.add(uuid.UUID(token))
    return emails, ids


async def _mentioned_members(tx: Tx, channel: Channel, content: str) -> set[uuid.UUID]:
    emails, ids = mentioned(content)
    if not emails and not ids:
        return set()
    org_id = channel.conv.org_id
    members = set(await organizations.member_user_ids(tx.session, org_id=org_id))
    if emails:
        rows = await tx.session.scalars(
            select(Profile.id).where(Profile.email.in_(emails), Profile.id.in_(members))
        )
        ids |= set(rows)
    return (ids & members) - {channel.member.user_id}


async def can_read(tx: Tx, user_id: uuid.UUID, channel: Channel) -> bool:
    if channel.peer_id is not None:
        return user_id == channel.peer_id
    ref = ChannelRef(
        type=channel.info.type, id=channel.info.id, organization_id=channel.conv.org_id
    )
    try:
        await channels.resolve(tx.session, user_id, ref)
    except AppError:
        return False
    return True


async def notify_for_message(
    svc: Services, tx: Tx, channel: Channel, row: MessageRow
) -> set[uuid.UUID]:
    """Mentions, and a direct message to someone with no socket: only then is anything
    read (a plain message to a channel costs no statement here). Returns who was
    notified, so that a thread's reply does not notify them twice."""
    mentions = [
        user_id
        for user_id in await _mentioned_members(tx, channel, row.content)
        if await can_read(tx, user_id, channel)
    ]
    peer = channel.peer_id
    absent_peer = (
        peer is not None
        and peer not in mentions
        and not await svc.is_connected(peer)
        and not await channel_admin.muted_users(tx.session, channel.conv, [peer])
    )
    if not mentions and not absent_peer:
        return set()
    org_id = channel.conv.org_id
    preview = row.content[:PREVIEW]
    link = f"/orgs/{org_id}/channels/{channel.info.type.value}/{channel.conv.channel_id}#{row.seq}"
    who = await display_name(tx, row.sender_id)
    base = {"message_id": str(row.id), "seq": row.seq, "channel_type": channel.info.type.value}
    for user_id in mentions:
        title = f"{who} vous a mentionné dans {channel.info.name}"
        notice = Notice(NotificationType.MENTION, title, preview, link, base)
        await notify(svc, tx, org_id, user_id, notice)
    if absent_peer:
        assert peer is not None
        direct = f"/orgs/{org_id}/direct/{row.sender_id}#{row.seq}"
        title = f"Nouveau message de {who}"
        notice = Notice(NotificationType.DIRECT_MESSAGE, title, preview, direct, base)
        await notify(svc, tx, org_id, peer, notice)
    return {*mentions, *([peer] if absent_peer and peer is not None else [])}
