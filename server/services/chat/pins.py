"""Pins: `message:pin` / `message:unpin` and a channel's pinned messages. Who may pin is
policy's (`check_pinner`); the channel hears the change as `message:updated`."""

from __future__ import annotations

from datetime import UTC, datetime

from protocol import chat as p
from protocol.common import Page
from protocol.errors import AppError, ErrorCode
from store import threads

from ...actor import Actor
from ...policy import check_pinner
from ..core import Services
from . import channels
from .message_views import broadcast, render
from .messages import UPDATED, locked_message

MAX_PINS = 200


async def set_pin(svc: Services, actor: Actor, req: p.MessageRef, pinned: bool) -> p.Message:
    """Pin or unpin; idempotent both ways (nothing is broadcast when nothing changed)."""
    async with svc.tx() as tx:
        row, channel = await locked_message(tx, actor, req.message_id)
        check_pinner(channel.member, channel.info.type)
        if row.deleted_at is not None and pinned:
            raise AppError(ErrorCode.CONFLICT, "the message was deleted")
        by = actor.user_id if pinned else None
        if await threads.set_pinned(tx.session, row, by, datetime.now(UTC)):
            return await broadcast(tx, channel, UPDATED, row)
        return (await render(tx.session, [row], actor.user_id))[0]


async def list_pins(svc: Services, actor: Actor, ref: p.ChannelRef) -> Page[p.Message]:
    """The channel's pinned messages, the latest pinned first (at most MAX_PINS)."""
    async with svc.sessions() as session:
        channel = await channels.resolve(session, actor.user_id, ref)
        rows = await threads.pins(session, channel.conv, MAX_PINS)
        return Page(items=await render(session, rows, actor.user_id))
