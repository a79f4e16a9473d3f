"""Join codes: shareable codes that let whoever holds them join an organization.

A code is a bearer credential, so it is unguessable (96 random bits) and a failed
join never says whether a code exists, expired or ran out: all three are `not_found`.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime

from protocol.common import ListQuery, Page
from protocol.enums import ActivityAction, MemberRole
from protocol.errors import not_found
from protocol.orgs import JoinCodeCreate, JoinCodeOut, JoinRequest, OrgOut
from store import join_codes, organizations
from store.models import JoinCode

from ...actor import Actor
from ...policy import Action, require_member
from ..core import Services, found, invalid
from ..resource import log, org_page
from .members import admit_member
from .orgs import org_out

RESOURCE = "join_code"


def _now() -> datetime:
    """The clock of expiries (tests move it)."""
    return datetime.now(UTC)


def new_join_code() -> str:
    """96 random bits, URL-safe (16 characters): far beyond online guessing."""
    return secrets.token_urlsafe(12)


def join_code_out(code: JoinCode) -> JoinCodeOut:
    return JoinCodeOut.model_validate(code, from_attributes=True)


async def create_join_code(
    svc: Services, actor: Actor, org_id: uuid.UUID, req: JoinCodeCreate
) -> JoinCodeOut:
    if req.expires_at is not None and req.expires_at <= _now():
        raise invalid(["body", "expires_at"], "must be in the future")
    async with svc.tx() as tx:
        await require_member(tx.session, org_id, actor.user_id, Action.MANAGE_MEMBERS)
        fields = {
            "code": new_join_code(),
            "role": req.role.value,
            "created_by": actor.user_id,
            "expires_at": req.expires_at,
            "max_uses": req.max_uses,
        }
        code = await join_codes.table.create(tx.session, org_id=org_id, fields=fields)
        meta = {"role": req.role.value, "max_uses": req.max_uses}
        await log(tx, actor, org_id, ActivityAction.JOIN_CODE_CREATED, RESOURCE, code.id, meta)
        return join_code_out(code)


async def list_join_codes(
    svc: Services, actor: Actor, org_id: uuid.UUID, query: ListQuery
) -> Page[JoinCodeOut]:
    table, manage = join_codes.table, Action.MANAGE_MEMBERS
    return await org_page(svc, actor, org_id, query, table, join_code_out, manage)


async def delete_join_code(
    svc: Services, actor: Actor, org_id: uuid.UUID, code_id: uuid.UUID
) -> None:
    async with svc.tx() as tx:
        await require_member(tx.session, org_id, actor.user_id, Action.MANAGE_MEMBERS)
        row = await join_codes.table.get(tx.session, org_id=org_id, row_id=code_id)
        code = found(row, "join code")
        await join_codes.table.delete(tx.session, code)
        meta = {"role": code.role, "uses": code.uses}
        await log(tx, actor, org_id, ActivityAction.JOIN_CODE_DELETED, RESOURCE, code_id, meta)


async def join(svc: Services, actor: Actor, req: JoinRequest) -> OrgOut:
    """Join with a code, taking its role. The use is counted by one conditional UPDATE in
    the same transaction as the membership: two joins racing for the last use cannot
    both win, and a refused membership (already a member) spends no use."""
    now = _now()
    async with svc.tx() as tx:
        code = await join_codes.find_join_code(tx.session, req.code)
        if code is None or not _usable(code, now):
            raise not_found("join code")
        role, org_id = MemberRole(code.role), code.organization_id
        await admit_member(tx, actor, org_id, role, "join_code", join_code_id=str(code.id))
        if not await join_codes.take_join_code_use(tx.session, code.id, now):
            # Spent by a concurrent join: the membership above is rolled back with it.
            raise not_found("join code")
        org = await organizations.get_organization(tx.session, org_id)
        assert org is not None  # the code's row cascades with its organization
        return org_out(org, role)


def _usable(code: JoinCode, now: datetime) -> bool:
    if code.expires_at is not None and code.expires_at <= now:
        return False
    return code.max_uses is None or code.uses < code.max_uses
