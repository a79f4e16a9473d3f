"""Memberships: who belongs to an organization, with which role, and how that changes.

Every way into an organization (creating it, a join code, an invitation) goes through
`admit_member`, and every way out through `remove_member`, so the activity log, the
primary organization of the profile and the socket rooms stay consistent: each, and every
role change, signals that the member's access changed (services/access.py).
"""

from __future__ import annotations

import uuid

from protocol.common import ListQuery, Page
from protocol.enums import ActivityAction, MemberRole
from protocol.errors import AppError, ErrorCode
from protocol.orgs import MemberOut, MemberPatch
from store import organizations, users
from store.models import Profile, UserOrganization
from store.scoped import delete_row

from ...actor import Actor
from ...policy import (
    Action,
    Member,
    check_member_removal,
    check_owner_remains,
    check_role_change,
    enter_organization,
    require_member,
)
from ..access import user_access_changed
from ..core import Services, Tx, found
from ..resource import log, out_of
from .auth import profile_out

RESOURCE = "member"


def member_out(row: UserOrganization, profile: Profile) -> MemberOut:
    return out_of(MemberOut, row, profile=profile_out(profile))


async def admit_member(
    tx: Tx, actor: Actor, org_id: uuid.UUID, role: MemberRole, via: str, **details: str
) -> None:
    """Make the caller a member with `role`; 409 when they already are one. The activity
    log says `via` what they came in (and `details` of it).

    The profile's primary organization is set when it has none, so a newcomer's clients
    have a sensible default. A concurrent twin insert still fails on the unique
    (user, organization) index, which the transaction turns into a 409.
    """
    session, user_id = tx.session, actor.user_id
    # No membership yet, so no member_of to scope the transaction: enter it here.
    await enter_organization(session, org_id)
    if await organizations.get_membership(session, org_id=org_id, user_id=user_id) is not None:
        raise AppError(ErrorCode.CONFLICT, "you are already a member of this organization")
    await organizations.add_member(session, org_id=org_id, user_id=user_id, role=role)
    profile = await users.get_profile(session, user_id)
    if profile is not None and profile.organization_id is None:
        await users.update_profile(session, profile, {"organization_id": org_id})
    meta = {"user_id": str(user_id), "role": role.value, "via": via, **details}
    await log(tx, actor, org_id, ActivityAction.MEMBER_ADDED, RESOURCE, user_id, meta)
    user_access_changed(tx, user_id, org_id)


async def list_members(
    svc: Services, actor: Actor, org_id: uuid.UUID, query: ListQuery
) -> Page[MemberOut]:
    """Members see who else belongs to the organization; a client's contact does not."""
    async with svc.sessions() as session:
        await require_member(session, org_id, actor.user_id, Action.LIST_MEMBERS)
        rows, cursor = await organizations.list_members(
            session, org_id=org_id, cursor=query.cursor, limit=query.limit
        )
    return Page(items=[member_out(row, profile) for row, profile in rows], next_cursor=cursor)


async def _locked_target(
    tx: Tx, actor: Actor, org_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[Member, UserOrganization, int]:
    """The caller's membership, then the target membership and the number of owners,
    locked in a fixed order (owner rows first, then the target) so concurrent role
    changes queue instead of deadlocking, and the last-owner rule holds under concurrency."""
    me = await require_member(tx.session, org_id, actor.user_id)
    owners = await organizations.count_owners(tx.session, org_id=org_id)
    row = await organizations.get_membership(
        tx.session, org_id=org_id, user_id=user_id, for_update=True
    )
    return me, found(row, "member"), owners


async def change_role(
    svc: Services, actor: Actor, org_id: uuid.UUID, user_id: uuid.UUID, patch: MemberPatch
) -> MemberOut:
    async with svc.tx() as tx:
        me, row, owners = await _locked_target(tx, actor, org_id, user_id)
        current = MemberRole(row.role)
        check_role_change(me, current, patch.role)
        if current is not patch.role:
            check_owner_remains(current, patch.role, owners)
            row.role = patch.role.value
            await tx.session.flush()
            meta = {"from": current.value, "to": patch.role.value, "user_id": str(user_id)}
            await log(tx, actor, org_id, ActivityAction.ROLE_CHANGED, RESOURCE, user_id, meta)
            user_access_changed(tx, user_id, org_id)
        profile = await users.get_profile(tx.session, user_id)
        assert profile is not None  # the membership's user has a profile (same id)
        return member_out(row, profile)


async def remove_member(svc: Services, actor: Actor, org_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """Remove a member, or leave when `user_id` is the caller. Their sockets leave the
    organization's rooms, on every process, as soon as the removal commits."""
    async with svc.tx() as tx:
        me, row, owners = await _locked_target(tx, actor, org_id, user_id)
        current = MemberRole(row.role)
        check_member_removal(me, user_id, current)
        check_owner_remains(current, None, owners)
        await delete_row(tx.session, row)
        profile = await users.get_profile(tx.session, user_id)
        if profile is not None and profile.organization_id == org_id:
            await users.update_profile(tx.session, profile, {"organization_id": None})
        meta = {"user_id": str(user_id), "role": current.value, "left": me.user_id == user_id}
        await log(tx, actor, org_id, ActivityAction.MEMBER_REMOVED, RESOURCE, user_id, meta)
        user_access_changed(tx, user_id, org_id)
