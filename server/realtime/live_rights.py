"""Live rights on this process: the two commands every process runs for its own sockets.

`access-changed` (server/services/access.py queues it after a commit): the rooms of the
sockets concerned are derived again from the database (server/audience.py) and each
client is told what changed for it. The command is handled where it arrives on the
manager's channel, before the emits published after it, so once a process has run it
none of its sockets hears what its user may no longer read. Should the database not
answer in time, those sockets are ended instead (`auth:expired`, then disconnect): a
socket never keeps rights nobody could check.

`sessions-ended` (services.identity.auth revokes refresh families): the user's sockets of the
revoked login session, or all of them, get `auth:expired` and are disconnected.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import socketio

from protocol import events
from protocol.errors import AppError
from protocol.realtime import (
    AuthExpired,
    ChannelRemoved,
    OrganizationAdded,
    OrganizationRef,
    OrganizationRemoved,
    OrgRole,
    ProjectUnsubscribed,
    RemovedChannel,
    SessionInfo,
)

from ..audience import (
    Audience,
    audience,
    org_rooms,
    parse_channel_room,
    parse_project_room,
    user_room,
)
from ..bus import ACCESS_CHANGED, SESSIONS_ENDED
from ..services.core import KeyedLocks, Services
from .rooms import NAMESPACE, register_command
from .session import SocketState, get_state

log = logging.getLogger("aurentia.realtime")

# How long re-deriving one user's rooms may take before their sockets are ended instead.
RECHECK_TIMEOUT_SECONDS = 2.0
SESSION_ENDED = "session ended (logout or revocation); sign in again"
RECHECK_FAILED = "your access could not be re-checked; reconnect"


class LiveRights:
    def __init__(self, sio: socketio.AsyncServer, services: Callable[[], Services]) -> None:
        self._sio = sio
        self._services = services
        # Two changes of one user re-derive in turn, the last one from the latest state.
        self._locks = KeyedLocks()

    def _local_sids(self, room: str) -> list[str]:
        return [sid for sid, _eio in self._sio.manager.get_participants(NAMESPACE, room)]

    async def _states(self, sids: list[str]) -> list[SocketState]:
        states = []
        for sid in dict.fromkeys(sids):
            try:
                states.append(await get_state(self._sio, sid))
            except AppError:
                continue  # connecting or gone
        return states

    async def access_changed(self, data: dict[str, Any]) -> None:
        # Before anything awaits: from now on this process reads memberships again.
        self._services().memberships.forget()
        sids: list[str] = []
        if data.get("user_id"):
            sids += self._local_sids(user_room(uuid.UUID(data["user_id"])))
        if data.get("room"):
            sids += self._local_sids(data["room"])
        by_user: dict[uuid.UUID, list[SocketState]] = defaultdict(list)
        for state in await self._states(sids):
            by_user[state.user_id].append(state)
        silent = bool(data.get("silent"))
        for user_id, states in by_user.items():
            async with self._locks.hold(user_id):
                await self._rederive(user_id, states, silent)

    async def _rederive(
        self, user_id: uuid.UUID, states: list[SocketState], silent: bool = False
    ) -> None:
        asked: dict[uuid.UUID, set[str]] = defaultdict(set)
        for state in states:
            for org_id, rooms in state.org_rooms.items():
                asked[org_id] |= rooms
        try:
            async with asyncio.timeout(RECHECK_TIMEOUT_SECONDS):
                async with self._services().sessions() as session:
                    now = await audience(session, user_id, asked)
        except Exception:
            log.exception("access re-check failed; ending the user's sockets here")
            for state in states:
                await self._end(state, RECHECK_FAILED)
            return
        for state in states:
            if self._sio.manager.is_connected(state.sid, NAMESPACE):
                await self._apply(state, now, silent)

    async def _emit(self, state: SocketState, event: str, payload: Any) -> None:
        await self._sio.emit(
            event, payload.model_dump(mode="json"), to=state.sid, ignore_queue=True
        )

    async def _apply(self, state: SocketState, now: Audience, silent: bool = False) -> None:
        """Move one socket to the rooms `now` allows, telling it what it lost or gained
        (lost channels and projects not when `silent`: the change told them itself)."""
        sio, sid, before = self._sio, state.sid, state.roles
        for org_id in [o for o in before if o not in now.roles]:
            for room in org_rooms(org_id, before[org_id]) | state.org_rooms.pop(org_id, set()):
                await sio.leave_room(sid, room)
            await self._emit(state, events.ORG_REMOVED, OrganizationRemoved(organization_id=org_id))
        for org_id, role in now.roles.items():
            old = before.get(org_id)
            if old == role:
                continue
            kept = org_rooms(org_id, old) if old is not None else set()
            for room in kept - org_rooms(org_id, role):
                await sio.leave_room(sid, room)
            for room in org_rooms(org_id, role) - kept:
                await sio.enter_room(sid, room)
            if old is None:
                org = now.organizations[org_id]
                ref = OrganizationRef(id=org.id, name=org.name, slug=org.slug)
                await self._emit(
                    state, events.ORG_ADDED, OrganizationAdded(organization=ref, role=role)
                )
        for org_id, rooms in state.org_rooms.items():
            for room in sorted(rooms):
                if now.loses(org_id, room):
                    rooms.discard(room)
                    await sio.leave_room(sid, room)
                    if not silent:
                        await self._tell_lost(state, org_id, room)
        if before != now.roles:
            state.roles = dict(now.roles)
            info = SessionInfo(
                user_id=state.user_id,
                organizations=[OrgRole(id=o, role=r) for o, r in now.roles.items()],
                server_time=datetime.now(UTC),
                expires_at=state.expires_at,
            )
            await self._emit(state, events.SESSION, info)

    async def _tell_lost(self, state: SocketState, org_id: uuid.UUID, room: str) -> None:
        project_id = parse_project_room(room)
        if project_id is not None:
            gone = ProjectUnsubscribed(project_id=project_id)
            await self._emit(state, events.PROJECT_UNSUBSCRIBED, gone)
            return
        channel = parse_channel_room(room)
        if channel is not None:
            kind, channel_id = channel
            ref = RemovedChannel(type=kind, id=channel_id, organization_id=org_id)
            await self._emit(state, events.CHANNEL_REMOVED, ChannelRemoved(channel=ref))

    async def sessions_ended(self, data: dict[str, Any]) -> None:
        family = data.get("family_id")
        user_id = uuid.UUID(data["user_id"])
        # Before any socket hears of it: from now on this process asks the database.
        self._services().signed_in.forget(user_id, uuid.UUID(family) if family else None)
        for state in await self._states(self._local_sids(user_room(user_id))):
            if family is None or str(state.family_id) == family:
                await self._end(state, SESSION_ENDED)

    async def _end(self, state: SocketState, message: str) -> None:
        try:
            await self._emit(state, events.AUTH_EXPIRED, AuthExpired(message=message))
            await self._sio.disconnect(state.sid, ignore_queue=True)
        except Exception:
            log.exception("could not end a socket", extra={"fields": {"sid": state.sid}})


def setup(sio: socketio.AsyncServer, services: Callable[[], Services]) -> LiveRights:
    rights = LiveRights(sio, services)
    register_command(sio, ACCESS_CHANGED, rights.access_changed)
    register_command(sio, SESSIONS_ENDED, rights.sessions_ended)
    return rights
