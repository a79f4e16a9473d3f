"""Messages: send (idempotent, gap-free seq), edit, delete (tombstones), history, sync,
reactions and read pointers. Broadcasts are queued and leave only after commit."""

from __future__ import annotations

import uuid
from typing import Any

from protocol import chat as p
from protocol.enums import ChannelType
from protocol.errors import AppError, ErrorCode
from store import channels as channel_store
from store import messages as store
from store import posting
from store import uploads as upload_store
from store.messages import MessageRow

from ... import metrics
from ...actor import Actor
from ...audience import user_room
from ...policy import Action, check_postable
from ..clock import utc_now
from ..core import Services, Tx, invalid
from . import channels, threads, uploads
from .channels import Channel
from .mentions import notify_for_message
from .message_views import broadcast as _broadcast
from .message_views import render, render_json

NEW, UPDATED, DELETED = "message:new", "message:updated", "message:deleted"
REACTIONS, CHANNEL_READ, MESSAGE_READ = "reaction:updated", "channel:read", "message:read"


async def _count_stored() -> None:
    metrics.messages_stored.inc()


def _conversation_key(actor: Actor, ref: p.ChannelRef) -> tuple[str, ...]:
    """The conversation's key, the same from both ends of a direct one and in every
    process (a group commit's queue and lock order)."""
    if ref.type is ChannelType.DIRECT:
        return ("direct", *sorted((str(actor.user_id), str(ref.id))))
    return (ref.type.value, str(ref.id))


async def send(svc: Services, actor: Actor, req: p.MessageSend, sid: str | None) -> p.Message:
    """Store and broadcast a message. A retry with the same `client_msg_id` returns the
    stored message and broadcasts nothing; the answer comes only after the commit.

    Two statements on PostgreSQL (access with the read pointer, then store.posting's
    one), in a transaction shared with the sends queued at the same moment
    (services.group_commit, which also keeps one conversation's sends in order).
    """

    async def store_it(tx: Tx) -> p.Message:
        return await _store(svc, tx, actor, req, sid)

    return await svc.sends.run(_conversation_key(actor, req.channel), store_it)


async def _store(
    svc: Services, tx: Tx, actor: Actor, req: p.MessageSend, sid: str | None
) -> p.Message:
    """The send's unit of work: it scopes the transaction before its first read."""
    channel = await channels.resolve(tx.session, actor.user_id, req.channel)
    check_postable(channel.info.archived)
    root = None
    if req.parent_id is not None:
        root = await threads.thread_root(tx.session, channel, req.parent_id)
    files = await uploads.claim(tx, actor, channel.conv.org_id, req.attachment_ids)
    row = await posting.post(
        tx.session,
        channel.conv,
        sender_id=actor.user_id,
        content=req.content,
        client_msg_id=req.client_msg_id,
        parent_id=req.parent_id,
        recipient_id=channel.peer_id,
    )
    if row is None:  # a retry: the first message answers
        assert req.client_msg_id is not None
        first = await store.find_by_client_msg_id(
            tx.session, channel.conv, actor.user_id, req.client_msg_id
        )
        assert first is not None
        return (await render(tx.session, [first], actor.user_id))[0]
    await upload_store.attach(tx.session, files, row, row.created_at)
    message = await _broadcast(tx, channel, NEW, row, new=True, files=files)
    tx.after_commit(_count_stored)
    notified = await notify_for_message(svc, tx, channel, row)
    if root is not None:
        await threads.after_reply(svc, tx, channel, row, root, notified)
    # What one writes, one has read (posting moved the pointer): earlier ones included.
    if channel.read_seq < row.seq - 1:
        await _announce_read(tx, channel, row.seq, 0, sid)
    return message


async def locked_message(tx: Tx, actor: Actor, message_id: uuid.UUID) -> tuple[MessageRow, Channel]:
    """A message the actor reads, locked for the transaction, with its channel."""
    return await threads.readable_message(tx.session, actor.user_id, message_id, for_update=True)


async def edit(svc: Services, actor: Actor, req: p.MessageEdit) -> p.Message:
    async with svc.tx() as tx:
        row, channel = await locked_message(tx, actor, req.message_id)
        if row.sender_id != actor.user_id:
            raise AppError(ErrorCode.FORBIDDEN, "only the sender edits a message")
        if row.deleted_at is not None:
            raise AppError(ErrorCode.CONFLICT, "the message was deleted")
        row.content = req.content
        row.edited_at = utc_now()
        await tx.session.flush()
        return await _broadcast(tx, channel, UPDATED, row)


async def delete(svc: Services, actor: Actor, req: p.MessageRef) -> p.Deleted:
    """Leave a tombstone: the seq stays, the content goes. Deleting twice is harmless."""
    async with svc.tx() as tx:
        row, channel = await locked_message(tx, actor, req.message_id)
        moderator = channel.peer_id is None and channel.member.can(Action.MODERATE_MESSAGES)
        if row.sender_id != actor.user_id and not moderator:
            raise AppError(ErrorCode.FORBIDDEN, "only the sender or an admin deletes a message")
        if row.deleted_at is None:
            row.deleted_at = utc_now()
            row.content = ""
            await tx.session.flush()
            keys = await upload_store.remove_for_message(tx.session, row)
            uploads.delete_after_commit(svc, tx, keys)
            for room, key in channel.keyed_rooms:
                tx.emit(DELETED, p.Deleted(message_id=row.id, channel=key), room)
        return p.Deleted(message_id=row.id, channel=channel.key)


async def history(svc: Services, actor: Actor, req: p.HistoryQuery) -> dict[str, Any]:
    """A page of the channel: `p.History` in JSON form (message_views.render_json)."""
    if req.before_seq is not None and req.after_seq is not None:
        raise invalid(["data", "before_seq"], "give before_seq or after_seq, not both")
    async with svc.sessions() as session:
        channel = await channels.resolve(session, actor.user_id, req.channel)
        rows, has_more = await store.history(
            session,
            channel.conv,
            before_seq=req.before_seq,
            after_seq=req.after_seq,
            limit=req.limit,
        )
        messages = await render_json(session, channel.conv, rows, actor.user_id)
    return {"messages": messages, "has_more": has_more}


async def sync(svc: Services, actor: Actor, req: p.SyncRequest) -> dict[str, Any]:
    """For each cursor, the messages after it (with `has_more`), and the older ones that
    changed since the cursor's message was sent. Channels no longer readable are left out.
    `p.SyncResult` in JSON form (message_views.render_json)."""
    out: list[dict[str, Any]] = []
    async with svc.sessions() as session:
        for cursor in req.cursors:
            try:
                channel = await channels.resolve(session, actor.user_id, cursor.channel)
            except AppError:
                continue
            conv = channel.conv
            rows, has_more = await store.history(
                session, conv, before_seq=None, after_seq=cursor.after_seq, limit=req.limit
            )
            changed: list[Any] = []
            since = await store.created_at_of(session, conv, cursor.after_seq)
            if since is not None:
                changed = await store.changed_since(
                    session, conv, upto_seq=cursor.after_seq, since=since, limit=req.limit
                )
            out.append(
                {
                    "channel": channel.key.model_dump(mode="json"),
                    "messages": await render_json(session, conv, rows, actor.user_id),
                    "has_more": has_more,
                    "changed": await render_json(session, conv, changed, actor.user_id),
                }
            )
    return {"channels": out}


async def react(svc: Services, actor: Actor, req: p.ReactionChange, add: bool) -> p.ReactionsOut:
    """Add or remove one emoji; idempotent both ways. Readers of the channel see the new
    aggregate in `reaction:updated`."""
    async with svc.tx() as tx:
        row, channel = await locked_message(tx, actor, req.message_id)
        if row.deleted_at is not None:
            raise AppError(ErrorCode.CONFLICT, "the message was deleted")
        change = store.add_reaction if add else store.remove_reaction
        changed = await change(tx.session, row, user_id=actor.user_id, emoji=req.emoji)
        rendered = (await render(tx.session, [row], actor.user_id))[0]
        result = p.ReactionsOut(message_id=row.id, reactions=rendered.reactions)
        if changed:
            await store.touch(tx.session, row, utc_now())
            for room in channel.rooms:
                tx.emit(REACTIONS, result, room)
        return result


async def mark_read(svc: Services, actor: Actor, req: p.ReadMark, sid: str | None) -> p.ReadState:
    """Move the read pointer forward (never back, never past the last message); the
    user's other devices and, in a direct conversation, the peer are told."""
    async with svc.tx() as tx:
        channel = await channels.resolve(tx.session, actor.user_id, req.channel)
        last = await store.last_seq(tx.session, channel.conv)
        before = channel.read_seq
        read = await channel_store.advance_read_seq(
            tx.session, channel.conv, actor.user_id, min(req.seq, last)
        )
        unread = await store.count_unread(
            tx.session, channel.conv, user_id=actor.user_id, read_seq=read
        )
        if read > before:
            await _announce_read(tx, channel, read, unread, sid)
        return p.ReadState(read_seq=read, unread_count=unread)


async def _announce_read(tx: Tx, channel: Channel, read: int, unread: int, sid: str | None) -> None:
    """The reader's other devices move their pointer; a direct peer gets a receipt."""
    reader = channel.member.user_id
    own = {"channel": channel.key.model_dump(mode="json"), "read_seq": read, "unread_count": unread}
    tx.emit(CHANNEL_READ, own, user_room(reader), skip_sid=sid)
    if channel.peer_id is None:
        return
    await channel_store.mark_direct_read(tx.session, channel.conv, reader, read, utc_now())
    seen = {"channel": {"type": "direct", "id": str(reader)}, "reader_id": str(reader), "seq": read}
    tx.emit(MESSAGE_READ, seen, user_room(channel.peer_id))
