"""`presence:set` and `presence:list`."""

from __future__ import annotations

from protocol.errors import ErrorCode
from protocol.presence import PresenceList, PresenceListRequest, PresenceSet
from protocol.pushes import PresenceChosen
from store import organizations

from ..policy import Action, require_member
from .dispatch import Event, EventTable

handlers = EventTable()


@handlers.on("presence:set", PresenceSet, ack=PresenceChosen)
async def on_set(ev: Event, req: PresenceSet) -> dict[str, str]:
    """Choose `away` or `online`; members of the user's organizations hear it."""
    return {"status": await ev.live.presence().choose(ev.sid, req.status)}


@handlers.on(
    "presence:list", PresenceListRequest, errors=(ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN)
)
async def on_list(ev: Event, req: PresenceListRequest) -> PresenceList:
    """Every member's status, from the presence store (members from the database);
    for those who may list the members, like `GET /members` (`forbidden` otherwise)."""
    async with ev.svc.sessions() as session:
        await require_member(session, req.organization_id, ev.state.user_id, Action.LIST_MEMBERS)
        member_ids = await organizations.member_user_ids(session, org_id=req.organization_id)
    return PresenceList(users=await ev.live.presence().statuses(member_ids))
