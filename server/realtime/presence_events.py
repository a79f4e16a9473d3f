"""`presence:set` and `presence:list`."""

from __future__ import annotations

import uuid

from protocol.enums import MemberRole
from protocol.errors import ErrorCode
from protocol.presence import PresenceList, PresenceListRequest, PresenceSet
from protocol.pushes import PresenceChosen
from store import organizations

from ..auth.memberships import Members
from ..policy import Action, Member, enter_organization, require
from ..services.core import found
from .dispatch import Event, EventTable

handlers = EventTable()


@handlers.on("presence:set", PresenceSet, ack=PresenceChosen)
async def on_set(ev: Event, req: PresenceSet) -> dict[str, str]:
    """Choose `away` or `online`; members of the user's organizations hear it."""
    return {"status": await ev.live.presence().choose(ev.sid, req.status)}


@handlers.on(
    "presence:list",
    PresenceListRequest,
    ack=PresenceList,
    errors=(ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN),
)
async def on_list(ev: Event, req: PresenceListRequest) -> dict[str, object]:
    """Every member's status, from the presence store (members from the database);
    for those who may list the members, like `GET /members` (`forbidden` otherwise)."""
    members = await _members(ev, req.organization_id)
    role = found(members.get(ev.state.user_id), "organization")
    require(Member(ev.state.user_id, req.organization_id, MemberRole(role)), Action.LIST_MEMBERS)
    return {"users": await ev.live.presence().listed(list(members))}


async def _members(ev: Event, org_id: uuid.UUID) -> Members:
    """The organization's members and roles: one statement, or none when read a moment
    ago or being read (server/auth/memberships.py; every membership change drops it on
    every process)."""

    async def read() -> Members:
        async with ev.svc.sessions() as session:
            await enter_organization(session, org_id)
            return await organizations.member_roles(session, org_id=org_id)

    return await ev.svc.memberships.members(org_id, read)
