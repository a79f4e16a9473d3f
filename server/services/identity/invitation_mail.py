"""The invitation mail: the invitee gets the link, in their language when they already
have an account (French otherwise)."""

from __future__ import annotations

from protocol.enums import Locale
from store import organizations, users
from store.models import OrganizationInvitation

from ...mail.templates import locale_of
from .. import mail
from ..core import Services, Tx
from ..notifications import display_name


async def mail_invitation(
    svc: Services, tx: Tx, invitation: OrganizationInvitation, token: str
) -> None:
    org = await organizations.get_organization(tx.session, invitation.organization_id)
    assert org is not None  # the inviter is a member of it, in this transaction
    invitee = await users.get_user_by_email(tx.session, invitation.email)
    profile = await users.get_profile(tx.session, invitee.id) if invitee is not None else None
    locale = locale_of(profile.locale) if profile is not None else Locale.FR
    context = {
        "inviter": await display_name(tx, invitation.invited_by),
        "organization": org.name,
        "role": invitation.role,
        "email": invitation.email,
        "expires": invitation.expires_at.date().isoformat(),
        "link": mail.link(svc, "/invitations/accept", token=token),
    }
    await mail.queue(
        svc, tx, to=invitation.email, kind="invitation", locale=locale, context=context
    )
