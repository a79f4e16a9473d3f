"""Who hears what: the rooms a user's sockets belong in, derived from the database every
time it may have changed, never remembered from the connection.

This is the policy layer's word on sockets, as server/policy.py is on requests: a socket
is in a room only while its user may read what the room hears, by the very rules REST
applies (`policy.Member.can`, `policy.reads_channel`, `policy.can_read_project`).

Rooms:
- `user:{id}`: every socket of the user (their notifications, direct messages, and the
  address of "access changed for this user").
- `org:{id}`: every member's sockets (the anchor for "every socket of the organization").
- `org:{id}:{action}`: members whose role holds `action` (`ORG_WIDE_READS`): events that
  only those roles may read go there (organization channels announced, organization-level
  milestones, presence, budgets and invoices to the finance roles, time entries to the
  validators), so per-recipient filtering costs nothing on delivery.
- `chan:{kind}:{id}` and `project:{id}`: entered on request (`channel:join`,
  `project:subscribe`) after the same check; `audience` re-checks each one.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from protocol.enums import ChannelType, MemberRole
from store import channel_access, organizations, projects
from store.messages import Conversation

from .policy import Action, Member, act_as, can_read_project, enter_organization, reads_channel

# What a role may read organization-wide, each with its room.
ORG_WIDE_READS: tuple[Action, ...] = (
    Action.READ_ORG_CHANNELS,
    Action.READ_ALL_PROJECTS,
    Action.LIST_MEMBERS,
    # The finance roles: budgets and invoices.
    Action.SEE_FINANCIALS,
    # Everyone's time entries (the validators: every role that validates time reads it).
    Action.READ_ALL_TIME,
)


def user_room(user_id: uuid.UUID) -> str:
    return f"user:{user_id}"


def org_room(org_id: uuid.UUID) -> str:
    return f"org:{org_id}"


def org_readers_room(org_id: uuid.UUID, action: Action) -> str:
    """Sockets of the members whose role holds `action` (one of `ORG_WIDE_READS`)."""
    assert action in ORG_WIDE_READS, action
    return f"org:{org_id}:{action.value}"


def channel_room(kind: str, channel_id: uuid.UUID) -> str:
    """Room of an organization, project or group channel (direct messages go to the two
    users' own rooms instead)."""
    return f"chan:{kind}:{channel_id}"


def project_room(project_id: uuid.UUID) -> str:
    """Sockets subscribed to a project's live task and milestone events."""
    return f"project:{project_id}"


def org_rooms(org_id: uuid.UUID, role: MemberRole) -> set[str]:
    """The organization-wide rooms of a member with `role`."""
    member = Member(user_id=uuid.UUID(int=0), org_id=org_id, role=role)
    return {org_room(org_id)} | {
        org_readers_room(org_id, action) for action in ORG_WIDE_READS if member.can(action)
    }


def base_rooms(user_id: uuid.UUID, roles: Mapping[uuid.UUID, MemberRole]) -> set[str]:
    """Every room a socket of the user is in without asking: its own and its
    organizations' rooms for the roles held."""
    rooms = {user_room(user_id)}
    for org_id, role in roles.items():
        rooms |= org_rooms(org_id, role)
    return rooms


@dataclass(frozen=True)
class OrgSummary:
    id: uuid.UUID
    name: str
    slug: str


@dataclass(frozen=True)
class Audience:
    """What one user's sockets may hear now."""

    user_id: uuid.UUID
    roles: dict[uuid.UUID, MemberRole]
    organizations: dict[uuid.UUID, OrgSummary]
    # The rooms asked for (per organization), and of those the ones the user may still
    # be in.
    asked: dict[uuid.UUID, set[str]] = field(default_factory=dict)
    kept: dict[uuid.UUID, set[str]] = field(default_factory=dict)

    def loses(self, org_id: uuid.UUID, room: str) -> bool:
        """Whether `room` was checked and refused. A room entered after the check (a
        `channel:join` answered meanwhile, from the committed state) is not judged."""
        return room in self.asked.get(org_id, set()) and room not in self.kept.get(org_id, set())


async def audience(
    session: AsyncSession, user_id: uuid.UUID, asked: Mapping[uuid.UUID, Iterable[str]]
) -> Audience:
    """The user's memberships and, of the channel and project rooms `asked` (what their
    sockets entered, by organization), those they may still hear. One statement for the
    memberships, one per room asked (a socket enters a handful)."""
    await act_as(session, user_id)
    rows, _ = await organizations.list_user_organizations(session, user_id=user_id, limit=1000)
    roles = {org.id: MemberRole(role) for org, role in rows}
    summaries = {org.id: OrgSummary(org.id, org.name, org.slug) for org, _ in rows}
    kept: dict[uuid.UUID, set[str]] = {}
    checked = {org_id: set(rooms) for org_id, rooms in asked.items()}
    for org_id, rooms in checked.items():
        role = roles.get(org_id)
        if role is None:
            continue
        member = Member(user_id=user_id, org_id=org_id, role=role)
        await enter_organization(session, org_id)
        kept[org_id] = {room for room in rooms if await may_hear(session, member, room)}
    return Audience(user_id, roles, summaries, checked, kept)


async def may_hear(session: AsyncSession, member: Member, room: str) -> bool:
    """Whether `member` may be in a channel or project room of their organization; any
    other room (or one of another organization) is refused."""
    try:
        channel, project_id = parse_channel_room(room), parse_project_room(room)
        if channel is not None and channel[0] is not ChannelType.DIRECT:
            kind, channel_id = channel
            conv = Conversation(member.org_id, kind, channel_id)
            facts = await channel_access.channel_reader(session, conv, member.user_id)
            return facts is not None and reads_channel(member, kind, facts)
        if project_id is not None:
            org_id = member.org_id
            project = await projects.get_project(session, org_id=org_id, project_id=project_id)
            return project is not None and await can_read_project(session, member, project)
    except ValueError:
        return False
    return False


def parse_project_room(room: str) -> uuid.UUID | None:
    prefix = "project:"
    return uuid.UUID(room.removeprefix(prefix)) if room.startswith(prefix) else None


def parse_channel_room(room: str) -> tuple[ChannelType, uuid.UUID] | None:
    parts = room.split(":")
    if parts[0] != "chan" or len(parts) != 3:
        return None
    return ChannelType(parts[1]), uuid.UUID(parts[2])
