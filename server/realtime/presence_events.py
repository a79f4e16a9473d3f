"""`presence:set` and `presence:list`."""

from __future__ import annotations

from collections.abc import Callable

from protocol.errors import ErrorCode
from protocol.presence import PresenceList, PresenceListRequest, PresenceSet
from protocol.pushes import PresenceChosen
from store import organizations

from ..policy import Action, require_member
from ..services.core import Services
from .dispatch import Dispatcher
from .presence import Presence
from .session import SocketState


def setup(
    dispatcher: Dispatcher, services: Callable[[], Services], presence: Callable[[], Presence]
) -> None:
    @dispatcher.on("presence:set", PresenceSet, ack=PresenceChosen)
    async def on_set(state: SocketState, req: PresenceSet) -> dict[str, str]:
        """Choose `away` or `online`; members of the user's organizations hear it."""
        return {"status": await presence().choose(state.sid, req.status)}

    @dispatcher.on(
        "presence:list", PresenceListRequest, errors=(ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN)
    )
    async def on_list(state: SocketState, req: PresenceListRequest) -> PresenceList:
        """Every member's status, from the presence store (members from the database);
        for those who may list the members, like `GET /members` (`forbidden` otherwise)."""
        async with services().sessions() as session:
            await require_member(session, req.organization_id, state.user_id, Action.LIST_MEMBERS)
            member_ids = await organizations.member_user_ids(session, org_id=req.organization_id)
        return PresenceList(users=await presence().statuses(member_ids))
