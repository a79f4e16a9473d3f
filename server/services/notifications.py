"""Notifications: created by the services in the transaction of what caused them, pushed
after commit with the exact unread count, read from any device."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from protocol.enums import NotificationChannel, NotificationType
from protocol.notifications import (
    DEFAULT_CHANNELS,
    NotificationNew,
    NotificationOut,
    NotificationPage,
    NotificationPreferences,
    NotificationPreferencesPut,
    NotificationQuery,
    NotificationRead,
    UnreadCount,
)
from store import notification_prefs as prefs
from store import notifications as store
from store.models import Notification, Profile

from ..actor import Actor
from ..audience import user_room
from ..bus import Emit
from ..policy import Member, act_as, membership
from .core import Services, Tx
from .resource import out_of

NEW, READ = "notification:new", "notification:read"


def out(row: Notification) -> NotificationOut:
    return out_of(NotificationOut, row, type=NotificationType(row.type), metadata=row.metadata_)


@dataclass(frozen=True)
class Notice:
    """What a notification tells: its type and title, a text, the link to what it is
    about and the metadata that names it."""

    type: NotificationType
    title: str
    message: str | None = None
    link: str | None = None
    metadata: dict[str, Any] | None = None


async def unread(svc: Services, user_id: uuid.UUID) -> int:
    """The user's unread count, read now (after a commit: exact)."""
    async with svc.sessions() as session:
        await act_as(session, user_id)
        return await store.count_unread(session, user_id=user_id)


async def notify(
    svc: Services, tx: Tx, org_id: uuid.UUID, user_id: uuid.UUID, notice: Notice
) -> bool:
    """Store a notification in `tx`; once committed, every socket of the user gets it
    with the unread count read after the commit (so the badge is exact). Nothing when
    the user turned this type `off`; answers whether it was created."""
    if await prefs.channel_of(tx.session, user_id, notice.type) is NotificationChannel.OFF:
        return False
    fields = {**vars(notice), "type": notice.type.value}
    row = await store.add_notification(tx.session, org_id=org_id, user_id=user_id, **fields)
    payload = out(row)

    async def push() -> None:
        new = NotificationNew(notification=payload, unread_count=await unread(svc, user_id))
        await svc.bus.publish([Emit(NEW, new, user_room(user_id))])

    tx.after_commit(push)
    return True


async def notify_readers(
    svc: Services,
    tx: Tx,
    org_id: uuid.UUID,
    user_ids: Iterable[uuid.UUID | None],
    actor_id: uuid.UUID,
    may_read: Callable[[Member], Awaitable[bool]],
    notice: Notice,
) -> list[uuid.UUID]:
    """`notify` each of `user_ids` once, except the actor (nobody is told of what they did
    themselves) and anyone who is no longer a member or may not read the resource
    (`may_read`, a policy check). Returns who was notified (not who turned it off)."""
    notified: list[uuid.UUID] = []
    for user_id in dict.fromkeys(u for u in user_ids if u is not None and u != actor_id):
        member = await membership(tx.session, org_id, user_id)
        if member is None or not await may_read(member):
            continue
        if await notify(svc, tx, org_id, user_id, notice):
            notified.append(user_id)
    return notified


async def display_name(tx: Tx, user_id: uuid.UUID) -> str:
    """How a notification names the person who acted."""
    profile = await tx.session.get(Profile, user_id)
    return f"{profile.prenom} {profile.nom}".strip() if profile else "Quelqu'un"


def _push_read(
    svc: Services,
    tx: Tx,
    user_id: uuid.UUID,
    changed: list[uuid.UUID],
    all: bool,
    skip_sid: str | None = None,
) -> None:
    """After commit, the user's sockets (but `skip_sid`) hear `notification:read` with the
    exact count read then."""

    async def push() -> None:
        count = await unread(svc, user_id)
        data = {"ids": [str(i) for i in changed], "all": all, "unread_count": count}
        await svc.bus.publish([Emit(READ, data, user_room(user_id), skip_sid=skip_sid)])

    if changed:
        tx.after_commit(push)


async def settle(
    svc: Services, tx: Tx, *, user_id: uuid.UUID, org_id: uuid.UUID, type: NotificationType
) -> None:
    """Mark read, in `tx`, the user's unread notifications of `type` in the organization:
    what they asked for is done (an accepted invitation). Every device hears it."""
    changed = await store.mark_read(
        tx.session, user_id=user_id, ids=None, now=datetime.now(UTC), org_id=org_id, type=type.value
    )
    _push_read(svc, tx, user_id, changed, all=False)


async def list_for(svc: Services, actor: Actor, query: NotificationQuery) -> NotificationPage:
    async with svc.sessions() as session:
        await act_as(session, actor.user_id)
        rows, cursor = await store.list_notifications(
            session,
            user_id=actor.user_id,
            org_id=query.organization_id,
            unread_only=query.unread_only,
            cursor=query.cursor,
            limit=query.limit,
        )
        unread = await store.count_unread(session, user_id=actor.user_id)
    return NotificationPage(items=[out(r) for r in rows], unread_count=unread, next_cursor=cursor)


async def mark_read(
    svc: Services, actor: Actor, req: NotificationRead, sid: str | None = None
) -> UnreadCount:
    """The user's other devices hear `notification:read` with the new exact count."""
    async with svc.tx() as tx:
        await act_as(tx.session, actor.user_id)
        changed = await store.mark_read(
            tx.session,
            user_id=actor.user_id,
            ids=None if req.all else req.ids,
            now=datetime.now(UTC),
        )
        _push_read(svc, tx, actor.user_id, changed, req.all, sid)
    return UnreadCount(unread_count=await unread(svc, actor.user_id))


async def preferences(svc: Services, actor: Actor) -> NotificationPreferences:
    """The user's channel for every type, their choice or the default."""
    async with svc.sessions() as session:
        stored = await prefs.chosen(session, actor.user_id)
    channels = {
        t: NotificationChannel(stored[t.value]) if t.value in stored else default
        for t, default in DEFAULT_CHANNELS.items()
    }
    return NotificationPreferences(preferences=channels, defaults=DEFAULT_CHANNELS)


async def set_preferences(
    svc: Services, actor: Actor, req: NotificationPreferencesPut
) -> NotificationPreferences:
    """Set the channels given; the others keep theirs."""
    async with svc.tx() as tx:
        await prefs.choose(tx.session, actor.user_id, req.preferences)
    return await preferences(svc, actor)
