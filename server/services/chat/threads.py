"""Threads: a reply is a message of the channel whose `parent_id` names its root (seq,
sync and idempotency unchanged); the root counts its replies, its new counts reach the
channel as `message:updated`, and the root's author and everyone who replied hear of a
new reply (`REPLY`), but never of their own, nor in a channel they muted."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from protocol import chat as p
from protocol import events
from protocol.enums import NotificationType
from protocol.errors import not_found
from store import channel_admin, threads
from store import messages as message_store
from store.messages import MessageRow, conversation_of

from ...actor import Actor
from ...policy import find_in_caller_orgs
from ..core import Services, Tx, invalid
from ..notifications import Notice, display_name, notify
from . import channels
from .channels import Channel
from .mentions import PREVIEW, can_read
from .message_views import broadcast, recipient, render


async def thread_root(session: AsyncSession, channel: Channel, parent_id: uuid.UUID) -> MessageRow:
    """The root a new reply names: a message of the same channel, itself no reply (a
    thread is one level deep, as in the clients we are compared with)."""
    root = await threads.find(session, channel.conv, parent_id)
    if root is None:
        raise invalid(["data", "parent_id"], "no such message in this channel")
    if root.parent_id is not None:
        raise invalid(["data", "parent_id"], "reply to the thread's first message")
    return root


async def after_reply(
    svc: Services,
    tx: Tx,
    channel: Channel,
    reply: MessageRow,
    root: MessageRow,
    notified: set[uuid.UUID],
) -> None:
    """Count the reply on its root, tell the channel, notify the thread's people (all but
    the replier and those `notified` already, e.g. by a mention)."""
    await threads.record_reply(tx.session, channel.conv, root, reply.created_at)
    await broadcast(tx, channel, events.MESSAGE_UPDATED, root)
    people = {root.sender_id} | await threads.participants(tx.session, channel.conv, root.id)
    candidates = sorted(people - {reply.sender_id} - notified)
    muted = await channel_admin.muted_users(tx.session, channel.conv, candidates)
    recipients = [u for u in candidates if u not in muted and await can_read(tx, u, channel)]
    if not recipients:
        return
    org_id = channel.conv.org_id
    who = await display_name(tx, reply.sender_id)
    for user_id in recipients:
        # A direct conversation is named by the other side: here, the replier.
        channel_id = reply.sender_id if channel.peer_id is not None else channel.info.id
        notice = Notice(
            NotificationType.REPLY,
            f"{who} a répondu dans un fil de {channel.info.name}"
            if channel.peer_id is None
            else f"{who} a répondu dans un fil",
            reply.content[:PREVIEW],
            f"/orgs/{org_id}/channels/{channel.info.type.value}/{channel_id}"
            f"#{root.seq}/{reply.seq}",
            {
                "message_id": str(reply.id),
                "root_id": str(root.id),
                "seq": reply.seq,
                "channel_type": channel.info.type.value,
            },
        )
        await notify(svc, tx, org_id, user_id, notice)


async def readable_message(
    session: AsyncSession,
    user_id: uuid.UUID,
    message_id: uuid.UUID,
    org_id: uuid.UUID | None = None,
    for_update: bool = False,
) -> tuple[MessageRow, Channel]:
    """A message `user_id` reads (of `org_id` when named), with its channel; locked for
    the transaction `for_update`."""

    async def find(org: uuid.UUID) -> MessageRow | None:
        return await message_store.get_message(
            session, org_id=org, message_id=message_id, for_update=for_update
        )

    row: MessageRow | None = await find_in_caller_orgs(session, user_id, find, org_id)
    if row is None:
        raise not_found("message")
    channel = await channels.resolve_conversation(
        session, user_id, conversation_of(row), row.sender_id, recipient(row)
    )
    return row, channel


async def thread(
    svc: Services, actor: Actor, req: p.ThreadQuery, org_id: uuid.UUID | None = None
) -> p.Thread:
    """A thread as its channel's readers see it: the root (a reply names its root's
    thread) and a page of replies."""
    async with svc.sessions() as session:
        row, channel = await readable_message(session, actor.user_id, req.message_id, org_id)
        if row.parent_id is not None:
            root = await threads.find(session, channel.conv, row.parent_id)
            if root is None:  # the root is gone (ON DELETE SET NULL races): no thread
                raise not_found("message")
            row = root
        replies, has_more = await threads.replies(
            session, channel.conv, row.id, before_seq=req.before_seq, limit=req.limit
        )
        rendered = await render(session, [row, *replies], actor.user_id)
        return p.Thread(root=rendered[0], replies=rendered[1:], has_more=has_more)
