"""The mails of an account's life: confirm the address, "you already have an account",
reset the password. Each creates its single-use token (stored as SHA-256 only) in the
caller's transaction and queues the mail there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from protocol.enums import AccountTokenPurpose
from store import account_tokens, users
from store.models import User

from ...auth.tokens import new_opaque_token
from ...mail.templates import locale_of
from .. import mail
from ..core import Services, Tx

VERIFY_TTL = timedelta(hours=48)
RESET_TTL = timedelta(hours=1)


async def _token(tx: Tx, user: User, purpose: AccountTokenPurpose, ttl: timedelta) -> str:
    """A fresh token for `purpose`; the user's earlier ones for it stop working."""
    now = datetime.now(UTC)
    token, token_hash = new_opaque_token()
    await account_tokens.spend_all(tx.session, user.id, purpose.value, now)
    await account_tokens.add_token(
        tx.session,
        user_id=user.id,
        purpose=purpose.value,
        token_hash=token_hash,
        email=user.email_normalized,
        expires_at=now + ttl,
    )
    return token


async def _send(svc: Services, tx: Tx, user: User, kind: str, **context: object) -> None:
    """Queue mail `kind` to the user, addressed by first name in their language."""
    profile = await users.get_profile(tx.session, user.id)
    name, locale = (user.email, "fr") if profile is None else (profile.prenom, profile.locale)
    context = {"name": name, **context}
    await mail.queue(svc, tx, to=user.email, kind=kind, locale=locale_of(locale), context=context)


async def send_verification(svc: Services, tx: Tx, user: User) -> None:
    token = await _token(tx, user, AccountTokenPurpose.VERIFY_EMAIL, VERIFY_TTL)
    link = mail.link(svc, "/verify-email", token=token)
    await _send(svc, tx, user, "verify_email", link=link, hours=VERIFY_TTL // timedelta(hours=1))


async def tell_account_exists(svc: Services, tx: Tx, user: User) -> None:
    """Someone registered an address that already has an account: its owner is told,
    the registrant sees the same answer as for a new address."""
    login, forgot = mail.link(svc, "/login"), mail.link(svc, "/forgot-password")
    await _send(svc, tx, user, "account_exists", login_link=login, forgot_link=forgot)


async def send_password_reset(svc: Services, tx: Tx, user: User) -> None:
    token = await _token(tx, user, AccountTokenPurpose.RESET_PASSWORD, RESET_TTL)
    link = mail.link(svc, "/reset-password", token=token)
    await _send(svc, tx, user, "password_reset", link=link)
