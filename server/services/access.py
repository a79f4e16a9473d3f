"""The "access changed" signal: call it in the transaction of any change that can alter
what someone's sockets may hear; it is published only once that transaction commits.

Every process then re-derives the rooms of the sockets concerned from the database
(server/audience.py) within a second, and tells each client what it lost or gained
(`channel:removed`, `project:unsubscribed`, `organization:added`, `organization:removed`,
`session` again with the new roles). See docs/realtime.md, "Live rights".

Which one to call:
- a user's rights changed (role, membership, client contact, group membership):
  `user_access_changed`;
- a channel or project was deleted, or who reads it changed for many people at once:
  `channel_access_changed` / `project_access_changed` (re-checks every socket in its room);
- an organization was deleted: `organization_access_changed`;
- sessions were revoked: nothing to call here if you use `services.identity.auth.revoke_family` /
  `revoke_all_sessions`, which end the sockets themselves (`sessions_ended`).
"""

from __future__ import annotations

import uuid

from protocol import events
from protocol.chat import ChannelInfo
from protocol.enums import ChannelType
from store import channel_states

from ..audience import channel_room, org_room, project_room, user_room
from ..bus import AccessChanged, SessionsEnded
from .core import Tx


def user_access_changed(tx: Tx, user_id: uuid.UUID, org_id: uuid.UUID | None = None) -> None:
    """Re-derive the rooms of every socket of `user_id` once `tx` commits."""
    tx.effects.append(AccessChanged(org_id=org_id, user_id=user_id))


def channel_access_changed(
    tx: Tx, org_id: uuid.UUID, kind: ChannelType, channel_id: uuid.UUID, *, silent: bool = False
) -> None:
    """Re-check every socket in the channel's room (the channel was deleted, or who may
    read it changed) once `tx` commits; `silent` when the change itself tells the users
    who lost it (no second `channel:removed`)."""
    room = channel_room(kind.value, channel_id)
    tx.effects.append(AccessChanged(org_id=org_id, room=room, silent=silent))


def project_access_changed(tx: Tx, org_id: uuid.UUID, project_id: uuid.UUID) -> None:
    """Re-check every socket subscribed to the project once `tx` commits."""
    tx.effects.append(AccessChanged(org_id=org_id, room=project_room(project_id)))


def organization_access_changed(tx: Tx, org_id: uuid.UUID) -> None:
    """Re-derive the rooms of every socket of the organization's members (its deletion)."""
    tx.effects.append(AccessChanged(org_id=org_id, room=org_room(org_id)))


async def announce_client_projects(
    tx: Tx, org_id: uuid.UUID, user_id: uuid.UUID, client_id: uuid.UUID
) -> None:
    """A user became the contact of a client, so reads its projects now: tell their
    sockets `channel:added` for each project channel, as for a group they were added to
    (they may then `channel:join` and `project:subscribe`)."""
    for pc in await channel_states.project_channels(tx.session, org_id=org_id):
        if pc.client_id == client_id:
            info = ChannelInfo(
                type=ChannelType.PROJECT, id=pc.id, name=pc.name, organization_id=org_id
            )
            tx.emit(events.CHANNEL_ADDED, info, user_room(user_id))


def sessions_ended(tx: Tx, user_id: uuid.UUID, family_id: uuid.UUID | None = None) -> None:
    """Once `tx` commits, the sockets of `user_id` opened with tokens of `family_id` (all
    of them when None) get `auth:expired` and are disconnected, on every process."""
    tx.effects.append(SessionsEnded(user_id=user_id, family_id=family_id))
