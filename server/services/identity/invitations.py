"""Email invitations: a single-use token for one address, stored only as its SHA-256.

The invitee is mailed the link. Without SMTP (the embedded default writes mails to a
directory) the token is also shown once, in the creation answer, for the inviter to
pass on; with SMTP_URL set it never reaches the inviter. Whoever accepts must be signed
in with the invited address, verified, so a forwarded or leaked link is useless to
anyone else.

When the address is already a user's (and not a member's), that user also gets an
INVITATION notification (without the token, which only the inviter ever sees); accepting
marks it read on every device. The answer to the inviter is the same either way, so it
does not tell whether the address has an account.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from protocol.common import ListQuery, Page
from protocol.enums import ActivityAction, MemberRole, NotificationType
from protocol.errors import AppError, ErrorCode, not_found
from protocol.orgs import (
    AcceptInvitation,
    InvitationCreate,
    InvitationCreated,
    InvitationOut,
    OrgOut,
)
from store import invitations, organizations, users
from store.models import OrganizationInvitation

from ...actor import Actor
from ...auth.tokens import hash_token, new_opaque_token, unauthorized
from ...policy import Action, check_role_change, forbidden, membership, require_member
from ..core import Services, Tx, found
from ..notifications import Notice, display_name, notify, settle
from ..resource import log, org_page
from .invitation_mail import mail_invitation
from .members import admit_member
from .orgs import org_out

RESOURCE = "invitation"


def _now() -> datetime:
    """The clock of expiries (tests move it)."""
    return datetime.now(UTC)


def invitation_out(invitation: OrganizationInvitation) -> InvitationOut:
    return InvitationOut.model_validate(invitation, from_attributes=True)


async def create_invitation(
    svc: Services, actor: Actor, org_id: uuid.UUID, req: InvitationCreate
) -> InvitationCreated:
    """ADMIN or OWNER; inviting someone as OWNER is an owner's decision (policy)."""
    token, token_hash = new_opaque_token()
    async with svc.tx() as tx:
        member = await require_member(tx.session, org_id, actor.user_id)
        check_role_change(member, None, MemberRole(req.role.value))
        fields = {
            "email": users.normalize_email(req.email),
            "role": req.role.value,
            "token_hash": token_hash,
            "invited_by": actor.user_id,
            "expires_at": _now() + timedelta(days=req.expires_in_days),
        }
        invitation = await invitations.table.create(tx.session, org_id=org_id, fields=fields)
        await _log(tx, actor, ActivityAction.INVITATION_CREATED, invitation)
        await _tell_invitee(svc, tx, actor, invitation)
        await mail_invitation(svc, tx, invitation, token)
        return _created(svc, invitation, token)


async def _log(
    tx: Tx, actor: Actor, action: ActivityAction, invitation: OrganizationInvitation
) -> None:
    meta = {"email": invitation.email, "role": invitation.role}
    await log(tx, actor, invitation.organization_id, action, RESOURCE, invitation.id, meta)


def _created(svc: Services, invitation: OrganizationInvitation, token: str) -> InvitationCreated:
    shown = None if svc.settings.mail_configured else token
    return InvitationCreated(**invitation_out(invitation).model_dump(), token=shown)


async def _managed_invitation(
    tx: Tx, actor: Actor, org_id: uuid.UUID, invitation_id: uuid.UUID
) -> OrganizationInvitation:
    """An invitation of the organization the actor may manage (owners' by owners)."""
    member = await require_member(tx.session, org_id, actor.user_id, Action.MANAGE_MEMBERS)
    row = await invitations.table.get(tx.session, org_id=org_id, row_id=invitation_id)
    invitation = found(row, RESOURCE)
    check_role_change(member, None, MemberRole(invitation.role))
    return invitation


async def resend_invitation(
    svc: Services, actor: Actor, org_id: uuid.UUID, invitation_id: uuid.UUID
) -> InvitationCreated:
    """Mail a fresh link; the previous one stops working (only hashes are kept, so the
    old token cannot be sent again) and the validity starts over for its full length."""
    token, token_hash = new_opaque_token()
    now = _now()
    async with svc.tx() as tx:
        invitation = await _managed_invitation(tx, actor, org_id, invitation_id)
        if invitation.accepted_at is not None:
            raise AppError(ErrorCode.CONFLICT, "this invitation was already accepted")
        validity = max(invitation.expires_at - invitation.created_at, timedelta(days=1))
        invitation.token_hash = token_hash
        invitation.expires_at = now + validity
        await tx.session.flush()
        await _log(tx, actor, ActivityAction.INVITATION_RESENT, invitation)
        await mail_invitation(svc, tx, invitation, token)
        return _created(svc, invitation, token)


async def revoke_invitation(
    svc: Services, actor: Actor, org_id: uuid.UUID, invitation_id: uuid.UUID
) -> None:
    """Delete it: its link then answers `not_found` like any unknown token."""
    async with svc.tx() as tx:
        invitation = await _managed_invitation(tx, actor, org_id, invitation_id)
        await _log(tx, actor, ActivityAction.INVITATION_REVOKED, invitation)
        await invitations.table.delete(tx.session, invitation)


async def _tell_invitee(
    svc: Services, tx: Tx, actor: Actor, invitation: OrganizationInvitation
) -> None:
    """INVITATION to the user who owns the invited address, unless already a member."""
    org_id = invitation.organization_id
    invitee = await users.get_user_by_email(tx.session, invitation.email)
    if invitee is None or await users.get_profile(tx.session, invitee.id) is None:
        return
    if await membership(tx.session, org_id, invitee.id) is not None:
        return
    org = await organizations.get_organization(tx.session, org_id)
    assert org is not None  # the inviter is a member of it, in this transaction
    who = await display_name(tx, actor.user_id)
    meta = {
        "invitation_id": str(invitation.id),
        "organization_id": str(org_id),
        "organization_name": org.name,
        "role": invitation.role,
        "invited_by": str(actor.user_id),
        "expires_at": invitation.expires_at.isoformat(),
    }
    title = f"{who} vous invite à rejoindre {org.name}"
    message = f"Rôle proposé : {invitation.role}"
    notice = Notice(NotificationType.INVITATION, title, message, metadata=meta)
    await notify(svc, tx, org_id, invitee.id, notice)


async def list_invitations(
    svc: Services, actor: Actor, org_id: uuid.UUID, query: ListQuery
) -> Page[InvitationOut]:
    """ADMIN or OWNER; tokens are never shown again (only their hash is stored)."""
    table, manage = invitations.table, Action.MANAGE_MEMBERS
    return await org_page(svc, actor, org_id, query, table, invitation_out, manage)


async def accept_invitation(svc: Services, actor: Actor, req: AcceptInvitation) -> OrgOut:
    """Join through an invitation, once, with the invited address.

    Unknown and expired tokens are both `not_found`; a caller signed in with another
    address is `forbidden` (they hold the token, so this leaks nothing new); an
    invitation already used, or a caller already a member, is a `conflict`.
    """
    now = _now()
    async with svc.tx() as tx:
        invitation = await invitations.find_invitation(tx.session, hash_token(req.token))
        if invitation is None or invitation.expires_at <= now:
            raise not_found("invitation")
        user = await users.get_user(tx.session, actor.user_id)
        if user is None:
            raise unauthorized()
        if user.email_normalized != users.normalize_email(invitation.email):
            raise forbidden("this invitation was sent to another email address")
        if user.email_verified_at is None:
            raise forbidden("confirm your email address before accepting an invitation")
        if invitation.accepted_at is not None:
            raise AppError(ErrorCode.CONFLICT, "this invitation was already accepted")
        role = MemberRole(invitation.role)
        org_id = invitation.organization_id
        await admit_member(tx, actor, org_id, role, "invitation", invitation_id=str(invitation.id))
        if not await invitations.mark_accepted(tx.session, invitation.id, now):
            raise AppError(ErrorCode.CONFLICT, "this invitation was already accepted")
        await settle(
            svc, tx, user_id=actor.user_id, org_id=org_id, type=NotificationType.INVITATION
        )
        org = await organizations.get_organization(tx.session, org_id)
        assert org is not None  # the invitation cascades with its organization
        return org_out(org, role)
