"""Socket.IO handlers of channels and messages: validate, call the service, answer.

Typing lives only here: it is ephemeral, never stored, throttled per socket and ended by
the server when the client stops refreshing it.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from protocol import chat as p
from protocol import pushes
from protocol.errors import ErrorCode

from ..services.chat import channels, messages, pins, threads
from .dispatch import Event, EventTable
from .rooms import join_org_room, leave_org_room

TYPING = "typing"
# A channel the user may not read answers `not_found`; one they may not post to, `forbidden`.
ACCESS = (ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN)
# A client refreshing `typing: true` more often than this is not forwarded again.
TYPING_THROTTLE_SECONDS = 2.0


handlers = EventTable()


async def _resolved(ev: Event, ref: p.ChannelRef) -> channels.Channel:
    async with ev.svc.sessions() as session:
        return await channels.resolve(session, ev.state.user_id, ref)


@handlers.on("channel:join", p.ChannelJoin, errors=ACCESS)
async def on_join(ev: Event, req: p.ChannelJoin) -> p.ChannelState:
    """Hear the channel's live events; answers its last `seq`, the user's read pointer
    and the server's unread count. Direct channels need no join."""
    async with ev.svc.sessions() as session:
        channel = await channels.resolve(session, ev.state.user_id, req.channel)
        current = await channels.state_of(session, channel)
    if channel.peer_id is None:
        await join_org_room(ev.sio, ev.state, channel.conv.org_id, channel.rooms[0])
    return current


@handlers.on("channel:leave", p.ChannelJoin, ack=pushes.Empty, errors=ACCESS)
async def on_leave(ev: Event, req: p.ChannelJoin) -> dict[str, object]:
    """Stop hearing the channel's live events."""
    channel = await _resolved(ev, req.channel)
    if channel.peer_id is None:
        await leave_org_room(ev.sio, ev.state, channel.conv.org_id, channel.rooms[0])
    return {}


@handlers.on("message:send", p.MessageSend, errors=ACCESS)
async def on_send(ev: Event, req: p.MessageSend) -> p.Message:
    """Store a message; the ack comes once it is durably stored and holds it. Retried
    with the same `client_msg_id` (same sender and channel), it answers the first
    stored message and broadcasts nothing again."""
    return await messages.send(ev.svc, ev.actor, req, ev.sid)


@handlers.on("message:edit", p.MessageEdit, errors=ACCESS)
async def on_edit(ev: Event, req: p.MessageEdit) -> p.Message:
    """Change the content of one's own message; readers hear `message:updated`."""
    return await messages.edit(ev.svc, ev.actor, req)


@handlers.on("message:delete", p.MessageRef, ack=pushes.MessageDeletedAck, errors=ACCESS)
async def on_delete(ev: Event, req: p.MessageRef) -> dict[str, object]:
    """Delete a message, leaving a tombstone; readers hear `message:deleted`."""
    deleted = await messages.delete(ev.svc, ev.actor, req)
    return {"message_id": str(deleted.message_id)}


@handlers.on("message:history", p.HistoryQuery, ack=p.History, errors=ACCESS)
async def on_history(ev: Event, req: p.HistoryQuery) -> dict[str, Any]:
    """A page of a channel's messages in ascending `seq`, before or after a `seq`."""
    return await messages.history(ev.svc, ev.actor, req)


@handlers.on("message:pin", p.MessageRef, errors=ACCESS)
async def on_pin(ev: Event, req: p.MessageRef) -> p.Message:
    """Pin a message of the channel (managers and above in organization and project
    channels, anyone in groups and direct conversations); the channel hears
    `message:updated` with `pinned: true`."""
    return await pins.set_pin(ev.svc, ev.actor, req, pinned=True)


@handlers.on("message:unpin", p.MessageRef, errors=ACCESS)
async def on_unpin(ev: Event, req: p.MessageRef) -> p.Message:
    """Unpin a message (same rights as pinning); the channel hears `message:updated`
    with `pinned: false`."""
    return await pins.set_pin(ev.svc, ev.actor, req, pinned=False)


@handlers.on("message:thread", p.ThreadQuery, errors=ACCESS)
async def on_thread(ev: Event, req: p.ThreadQuery) -> p.Thread:
    """A thread: its root and a page of replies (newest first below `before_seq`),
    with `has_more`; replies are ordinary messages of the channel."""
    return await threads.thread(ev.svc, ev.actor, req)


@handlers.on("sync", p.SyncRequest, ack=p.SyncResult, errors=ACCESS)
async def on_sync(ev: Event, req: p.SyncRequest) -> dict[str, Any]:
    """Everything after each cursor's `after_seq`, plus messages edited or deleted
    since (`changed`): what a client missed while away or across a gap."""
    return await messages.sync(ev.svc, ev.actor, req)


@handlers.on("reaction:add", p.ReactionChange, errors=ACCESS)
async def on_reaction_add(ev: Event, req: p.ReactionChange) -> p.ReactionsOut:
    """Add one's reaction to a message; answers all its reactions."""
    return await messages.react(ev.svc, ev.actor, req, add=True)


@handlers.on("reaction:remove", p.ReactionChange, errors=ACCESS)
async def on_reaction_remove(ev: Event, req: p.ReactionChange) -> p.ReactionsOut:
    """Remove one's reaction from a message; answers all its reactions."""
    return await messages.react(ev.svc, ev.actor, req, add=False)


@handlers.on("channel:read", p.ReadMark, errors=ACCESS)
async def on_read(ev: Event, req: p.ReadMark) -> p.ReadState:
    """Move the read pointer forward (never back); answers the server's unread count."""
    return await messages.mark_read(ev.svc, ev.actor, req, ev.sid)


@handlers.on(TYPING, p.TypingSignal, ack=pushes.Empty, errors=ACCESS)
async def on_typing(ev: Event, req: p.TypingSignal) -> dict[str, object]:
    """Say one is typing (refresh it every few seconds) or stopped."""
    channel = await _resolved(ev, req.channel)
    key = f"{channel.info.type}:{channel.conv.channel_id}"
    timeout = ev.svc.settings.typing_timeout_seconds

    async def emit(typing: bool) -> None:
        # Not to the typist's own room in a direct channel: the peer's room comes last.
        for room, channel_key in channel.keyed_rooms[-1:]:
            payload = {
                "channel": channel_key.model_dump(mode="json"),
                "user_id": str(ev.state.user_id),
                "typing": typing,
            }
            await ev.sio.emit(TYPING, payload, room=room, skip_sid=ev.sid)

    async def expire() -> None:
        await asyncio.sleep(timeout)
        ev.state.typing.pop(key, None)
        await emit(False)

    previous = ev.state.typing.pop(key, None)
    if previous is not None:
        previous[1].cancel()
    now = time.monotonic()
    if req.typing:
        forwarded_at = previous[0] if previous else 0.0
        if now - forwarded_at >= TYPING_THROTTLE_SECONDS:
            await emit(True)
            forwarded_at = now
        ev.state.typing[key] = (forwarded_at, asyncio.create_task(expire()))
    elif previous is not None:
        await emit(False)
    return {}
