"""Who may do what in which organization: the one place that decides.

REST handlers and Socket.IO events both call this module through the services. A user
acts in an organization only through a membership row, whose role wins over the
profile's. Another organization's resource is answered exactly like a missing one
(`not_found`), so existence never leaks across tenants; a member who lacks the right
gets `forbidden`.

On PostgreSQL the database enforces the tenancy too (Row Level Security, see
docs/tenancy-rls.md): a transaction sees an organization's rows only once it is scoped to
it, and this module is where that happens. `member_of` scopes the transaction to the
organization it checks, before reading anything of it, so every service that proves
membership is scoped by the same call; the few paths that act in an organization before
a membership exists (creating one, joining, accepting an invitation, the jobs) call
`enter_organization` themselves.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from protocol.enums import ChannelType, MemberRole
from protocol.errors import AppError, ErrorCode, not_found
from store import organizations, projects, tenancy
from store.channel_access import ReaderFacts
from store.models import Client, Projet


class Action(StrEnum):
    DELETE_ORG = "delete_org"
    MANAGE_OWNERS = "manage_owners"
    UPDATE_ORG = "update_org"
    MANAGE_MEMBERS = "manage_members"
    # Clients, projects, milestones, budgets, invoices.
    MANAGE_PROJECTS = "manage_projects"
    # Tasks and deliverables anywhere in the organization (consultants: see can_edit_tasks).
    EDIT_ALL_TASKS = "edit_all_tasks"
    EDIT_ASSIGNED_TASKS = "edit_assigned_tasks"
    LOG_TIME = "log_time"
    LOG_TIME_FOR_OTHERS = "log_time_for_others"
    VALIDATE_TIME = "validate_time"
    SEE_FINANCIALS = "see_financials"
    READ_ALL_PROJECTS = "read_all_projects"
    READ_ORG_CHANNELS = "read_org_channels"
    VIEW_ACTIVITY = "view_activity"
    MODERATE_MESSAGES = "moderate_messages"
    REOPEN_TIME = "reopen_time"
    # The firm's directory (names, emails, phones): not for its clients' contacts.
    LIST_MEMBERS = "list_members"
    # Consultants' details (rates aside: SEE_FINANCIALS), the skills catalogue, staffing.
    READ_PEOPLE = "read_people"
    MANAGE_PEOPLE = "manage_people"
    # Everyone's time entries and timesheets (others read only their own).
    READ_ALL_TIME = "read_all_time"
    # Rename, describe and archive organization channels.
    MANAGE_CHANNELS = "manage_channels"
    # Delete an organization channel with its messages.
    DELETE_CHANNELS = "delete_channels"


# Each role holds what the role below it holds, and more.
_CONSULTANT = frozenset(
    {
        Action.LIST_MEMBERS,
        Action.EDIT_ASSIGNED_TASKS,
        Action.LOG_TIME,
        Action.READ_ALL_PROJECTS,
        Action.READ_ORG_CHANNELS,
        Action.READ_PEOPLE,
    }
)
_MANAGER = _CONSULTANT | {
    Action.MANAGE_PROJECTS,
    Action.EDIT_ALL_TASKS,
    Action.LOG_TIME_FOR_OTHERS,
    Action.VALIDATE_TIME,
    Action.SEE_FINANCIALS,
    Action.VIEW_ACTIVITY,
    Action.MANAGE_PEOPLE,
    Action.READ_ALL_TIME,
    Action.MANAGE_CHANNELS,
}
_ADMIN = _MANAGER | {
    Action.DELETE_CHANNELS,
    Action.UPDATE_ORG,
    Action.MANAGE_MEMBERS,
    Action.MODERATE_MESSAGES,
    Action.REOPEN_TIME,
}

ROLE_ACTIONS: dict[MemberRole, frozenset[Action]] = {
    MemberRole.OWNER: _ADMIN | {Action.DELETE_ORG, Action.MANAGE_OWNERS},
    MemberRole.ADMIN: _ADMIN,
    MemberRole.MANAGER: _MANAGER,
    MemberRole.CONSULTANT: _CONSULTANT,
    MemberRole.MEMBER: _CONSULTANT,
    # A client's contact reads only its own projects (see can_read_project).
    MemberRole.CLIENT: frozenset(),
}


@dataclass(frozen=True)
class Member:
    """A user acting inside one organization."""

    user_id: uuid.UUID
    org_id: uuid.UUID
    role: MemberRole

    def can(self, action: Action) -> bool:
        return action in ROLE_ACTIONS[self.role]


async def enter_organization(session: AsyncSession, org_id: uuid.UUID) -> None:
    """Scope the transaction to `org_id`: from here on, on PostgreSQL, the database shows
    and accepts that organization's rows only. Call it before the first read of them."""
    await tenancy.scope_to_organization(session, org_id)


async def act_as(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Let the transaction read the user's own memberships and notifications across
    their organizations (their organization list, their notification inbox)."""
    await tenancy.scope_to_user(session, user_id)


async def caller_organizations(session: AsyncSession, user_id: uuid.UUID) -> list[uuid.UUID]:
    """The organizations the user belongs to (the transaction acts as them to read it)."""
    await act_as(session, user_id)
    return await organizations.user_organization_ids(session, user_id=user_id)


T = TypeVar("T")


async def find_in_caller_orgs(
    session: AsyncSession,
    user_id: uuid.UUID,
    find: Callable[[uuid.UUID], Awaitable[T | None]],
    named: uuid.UUID | None = None,
) -> T | None:
    """What socket events name by id alone (a channel, a message, a project), looked for
    in the organization the client named, else in each of the caller's organizations in
    turn, the transaction scoped to each: on PostgreSQL a transaction sees one
    organization's rows, never a search across all of them (a user belongs to a
    handful). The transaction is left scoped to the organization where it was found;
    the caller still checks membership and rights there."""
    candidates = [named] if named is not None else await caller_organizations(session, user_id)
    for org_id in candidates:
        await enter_organization(session, org_id)
        found = await find(org_id)
        if found is not None:
            return found
    return None


async def membership(session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID) -> Member | None:
    """The user's membership, None when they are not (or no longer) a member: for deciding
    about someone other than the caller, e.g. whether a notification may reach them."""
    await enter_organization(session, org_id)
    row = await organizations.get_membership(session, org_id=org_id, user_id=user_id)
    if row is None:
        return None
    return Member(user_id=user_id, org_id=org_id, role=MemberRole(row.role))


async def member_of(session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID) -> Member:
    """The caller's membership, or `not_found` as if the organization did not exist."""
    member = await membership(session, org_id, user_id)
    if member is None:
        raise not_found("organization")
    return member


def forbidden(message: str = "your role does not allow this") -> AppError:
    return AppError(ErrorCode.FORBIDDEN, message)


def require(member: Member, action: Action) -> None:
    if not member.can(action):
        raise forbidden()


async def require_member(
    session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID, action: Action | None = None
) -> Member:
    """Membership, then the right to `action` when one is named."""
    member = await member_of(session, org_id, user_id)
    if action is not None:
        require(member, action)
    return member


def check_role_change(actor: Member, current: MemberRole | None, new: MemberRole | None) -> None:
    """May `actor` move a member from `current` to `new` (None: absent / removed)?

    Owners are made, changed and removed by owners only; admins manage everyone else.
    """
    require(actor, Action.MANAGE_MEMBERS)
    touches_owner = MemberRole.OWNER in (current, new)
    if touches_owner and not actor.can(Action.MANAGE_OWNERS):
        raise forbidden("only an owner can create, change or remove an owner")


def check_member_removal(actor: Member, target_user_id: uuid.UUID, target_role: MemberRole) -> None:
    """Anyone may leave an organization; removing someone else is a role change to nothing."""
    if target_user_id != actor.user_id:
        check_role_change(actor, target_role, None)


def check_owner_remains(current: MemberRole, new: MemberRole | None, owners: int) -> None:
    """The last owner cannot leave, be removed or be demoted: someone must always be able
    to delete the organization and name owners. `owners` must come from a locking count
    (store.organizations.count_owners) so two concurrent demotions cannot both pass."""
    if current is MemberRole.OWNER and new is not MemberRole.OWNER and owners <= 1:
        raise AppError(ErrorCode.CONFLICT, "the last owner cannot leave or be demoted")


def client_contact_scope(member: Member) -> uuid.UUID | None:
    """What limits the clients and projects `member` reads: None for members who read all
    of the organization's, else their own user id (a CLIENT member reads only the clients
    whose contact they are, and those clients' projects)."""
    return None if member.can(Action.READ_ALL_PROJECTS) else member.user_id


def require_client_reader(member: Member, client: Client) -> None:
    """A client the member may not read is answered as missing."""
    scope = client_contact_scope(member)
    if scope is not None and client.contact_user_id != scope:
        raise not_found("client")


async def can_read_project(session: AsyncSession, member: Member, project: Projet) -> bool:
    """Everyone of the organization reads its projects, except a CLIENT member, who reads
    only the projects of the client whose contact they are."""
    if member.can(Action.READ_ALL_PROJECTS):
        return True
    if member.role is not MemberRole.CLIENT:
        return False
    contact = await projects.client_contact_id(
        session, org_id=member.org_id, client_id=project.client_id
    )
    return reads_project(member, contact)


def reads_project(member: Member, client_contact_id: uuid.UUID | None) -> bool:
    """`can_read_project` when the project's client contact is already known."""
    client = member.role is MemberRole.CLIENT and client_contact_id == member.user_id
    return member.can(Action.READ_ALL_PROJECTS) or client


def reads_channel(member: Member, kind: ChannelType, facts: ReaderFacts) -> bool:
    """Organization channels: every member but CLIENT; project channels: the project's
    readers; groups: their members (direct conversations are decided by membership)."""
    if kind is ChannelType.ORGANIZATION:
        return member.can(Action.READ_ORG_CHANNELS)
    if kind is ChannelType.PROJECT:
        return reads_project(member, facts.client_contact_id)
    return facts.in_group


async def require_project_reader(session: AsyncSession, member: Member, project: Projet) -> None:
    """A project the member may not read is answered as missing."""
    if not await can_read_project(session, member, project):
        raise not_found("project")


async def can_edit_tasks(session: AsyncSession, member: Member, project: Projet) -> bool:
    """Managers and above edit any task; consultants and members only on projects they
    lead or are staffed on (`affectation`)."""
    if member.can(Action.EDIT_ALL_TASKS):
        return True
    if not member.can(Action.EDIT_ASSIGNED_TASKS):
        return False
    return project.chef_projet_id == member.user_id or await projects.is_staffed(
        session, org_id=member.org_id, project_id=project.id, user_id=member.user_id
    )


async def require_task_editor(session: AsyncSession, member: Member, project: Projet) -> None:
    await require_project_reader(session, member, project)
    if not await can_edit_tasks(session, member, project):
        raise forbidden("only managers, the project lead and staffed consultants edit its tasks")


async def can_read_milestone(session: AsyncSession, member: Member, project: Projet | None) -> bool:
    """A project's milestone is read by the project's readers; an organization-level one
    (`project` None) by whoever reads all the organization's projects, so not by a CLIENT
    member."""
    if project is None:
        return member.can(Action.READ_ALL_PROJECTS)
    return await can_read_project(session, member, project)


async def require_milestone_reader(
    session: AsyncSession, member: Member, project: Projet | None
) -> None:
    """Unreadable milestones are answered as missing."""
    if not await can_read_milestone(session, member, project):
        raise not_found("milestone")


def time_reader_scope(member: Member, profile_id: uuid.UUID | None) -> uuid.UUID | None:
    """Whose time entries a list or timesheet shows: `profile_id` when given, else
    everyone's for managers and above (None) and the caller's own for the others. Anyone
    who does not log time (a CLIENT member) and a non-manager asking for someone else's
    get `forbidden`."""
    require(member, Action.LOG_TIME)
    if profile_id is None:
        return None if member.can(Action.READ_ALL_TIME) else member.user_id
    if profile_id != member.user_id and not member.can(Action.READ_ALL_TIME):
        raise forbidden("only managers read other people's time")
    return profile_id


def can_read_own_time(member: Member) -> bool:
    """Whether a member reads their own time entries (anyone who logs time)."""
    return member.can(Action.LOG_TIME)


def check_time_author(member: Member, profile_id: uuid.UUID) -> None:
    """Consultants and members log time for themselves only; managers for anyone."""
    require(member, Action.LOG_TIME)
    if profile_id != member.user_id and not member.can(Action.LOG_TIME_FOR_OTHERS):
        raise forbidden("you may log time only for yourself")


def check_time_editor(member: Member, owner_id: uuid.UUID, rejected: bool) -> None:
    """Who may change or delete an entry: its owner; a manager too while it is pending,
    but a rejected entry is corrected by its owner alone (the correction resubmits it).
    Whether the entry's state allows a change at all is the service's rule."""
    require(member, Action.LOG_TIME)
    if owner_id == member.user_id:
        return
    if not member.can(Action.LOG_TIME_FOR_OTHERS):
        raise forbidden("you may change only your own time entries")
    if rejected:
        raise forbidden("a rejected entry is corrected by its owner")


def invoice_contact_scope(member: Member) -> uuid.UUID | None:
    """What limits the invoices `member` reads: None for those who see the financials
    (owners, admins, managers), the member's own user id for a CLIENT member (only the
    invoices of projects whose client they are contact of, never costs); anyone else is
    forbidden, consultants included."""
    if member.can(Action.SEE_FINANCIALS):
        return None
    if reads_invoices_as_contact(member):
        return member.user_id
    raise forbidden("invoices are for owners, admins, managers and the client")


def reads_invoices_as_contact(member: Member) -> bool:
    """A CLIENT member reads the invoices of the projects whose client they are contact of
    (and only those: `require_invoice_reader`)."""
    return member.role is MemberRole.CLIENT and not member.can(Action.SEE_FINANCIALS)


async def require_invoice_reader(session: AsyncSession, member: Member, project: Projet) -> None:
    """An invoice of a project the CLIENT member may not read is answered as missing."""
    if invoice_contact_scope(member) is not None and not await can_read_project(
        session, member, project
    ):
        raise not_found("invoice")


def role_reads_org_channels(role: MemberRole) -> bool:
    """Whether members of `role` read the organization's channels (all but clients): who
    hears of a change to one."""
    return Action.READ_ORG_CHANNELS in ROLE_ACTIONS[role]


def check_postable(archived: bool) -> None:
    """An archived channel is read but takes no new message."""
    if archived:
        raise forbidden("the channel is archived")


def check_pinner(member: Member, kind: ChannelType) -> None:
    """Anyone pins in a group or a direct conversation; in organization and project
    channels, which everyone reads, managers and above."""
    shared = kind not in (ChannelType.GROUP, ChannelType.DIRECT)
    if shared and not member.can(Action.MANAGE_CHANNELS):
        raise forbidden("only managers pin messages in this channel")
