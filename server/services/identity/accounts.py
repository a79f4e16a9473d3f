"""Proving an address and recovering an account: verify, resend, forgot, reset, change.

Every answer that names an email is the same whether or not an account has it (202),
and each is rate limited per client address and per email, so the mails cannot be used
to probe for accounts nor to flood someone's mailbox.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from protocol.accounts import EmailRequest, PasswordChange, PasswordReset, VerifyEmailRequest
from protocol.enums import AccountTokenPurpose
from protocol.errors import AppError, ErrorCode
from store import account_tokens, users
from store.models import AccountToken, User

from ...actor import Actor
from ...auth.tokens import hash_token, unauthorized
from ...ratelimit import Limit
from ..clock import utc_now
from ..core import Services
from . import account_mail
from .auth import check_password_policy, revoke_all_sessions, revoke_other_sessions

HOUR = 3600
VERIFY_EMAIL, RESET_PASSWORD = AccountTokenPurpose.VERIFY_EMAIL, AccountTokenPurpose.RESET_PASSWORD


def invalid_link() -> AppError:
    return AppError(ErrorCode.NOT_FOUND, "this link is unknown, expired or already used")


async def _limit_mail(svc: Services, name: str, address: str, email: str) -> None:
    settings = svc.settings
    await svc.limiter.hit(
        Limit(f"{name}-address", settings.password_resets_per_hour_per_address, HOUR), address
    )
    await svc.limiter.hit(
        Limit(f"{name}-email", settings.password_resets_per_hour_per_email, HOUR),
        users.normalize_email(email),
    )


async def _link_owner(
    session: AsyncSession, token: str, purpose: AccountTokenPurpose, now: datetime
) -> tuple[AccountToken, User]:
    """The link's usable token and its user, else `invalid_link`: a link sent to an
    address the account no longer has proves nothing."""
    row = await account_tokens.find_usable(
        session, token_hash=hash_token(token), purpose=purpose.value, now=now
    )
    user = await users.get_user(session, row.user_id) if row is not None else None
    if row is None or user is None or user.email_normalized != row.email:
        raise invalid_link()
    return row, user


async def verify_email(svc: Services, req: VerifyEmailRequest) -> None:
    """Mark the address verified; the account may sign in from now on."""
    now = utc_now()
    async with svc.tx() as tx:
        token, user = await _link_owner(tx.session, req.token, VERIFY_EMAIL, now)
        if not await account_tokens.spend(tx.session, token.id, now):
            raise invalid_link()
        await users.mark_email_verified(tx.session, user.id, now)


async def resend_verification(svc: Services, req: EmailRequest, address: str) -> None:
    """A fresh link to an unconfirmed address; nothing (same answer) otherwise."""
    await _limit_mail(svc, "verify-resend", address, req.email)
    async with svc.tx() as tx:
        user = await users.get_user_by_email(tx.session, req.email)
        if user is not None and user.email_verified_at is None and user.disabled_at is None:
            await account_mail.send_verification(svc, tx, user)


async def forgot_password(svc: Services, req: EmailRequest, address: str) -> None:
    """Mail a reset link valid one hour when the address has an account (202 either way)."""
    await _limit_mail(svc, "password-forgot", address, req.email)
    async with svc.tx() as tx:
        user = await users.get_user_by_email(tx.session, req.email)
        if user is not None and user.disabled_at is None:
            await account_mail.send_password_reset(svc, tx, user)


async def reset_password(svc: Services, req: PasswordReset, address: str) -> None:
    """Set the password from a reset link, once; every session of the user ends.

    The link reached the mailbox, so it also confirms the address.
    """
    await svc.limiter.hit(
        Limit("password-reset-address", svc.settings.password_resets_per_hour_per_address, HOUR),
        address,
    )
    now = utc_now()
    async with svc.sessions() as session:
        token, user = await _link_owner(session, req.token, RESET_PASSWORD, now)
    check_password_policy(user.email, req.password)
    password_hash = await svc.passwords.hash(req.password)
    async with svc.tx() as tx:
        if not await account_tokens.spend(tx.session, token.id, now):
            raise invalid_link()
        await users.set_password_hash(tx.session, user.id, password_hash)
        await users.mark_email_verified(tx.session, user.id, now)
        await revoke_all_sessions(tx, user.id)


async def change_password(svc: Services, actor: Actor, req: PasswordChange, address: str) -> None:
    """A signed-in user's new password, given the current one; their other sessions end,
    the one making the change stays."""
    await svc.limiter.hit(
        Limit("login-address", svc.settings.login_attempts_per_minute_per_address, 60), address
    )
    await svc.limiter.hit(
        Limit("password-change", svc.settings.login_attempts_per_minute_per_email, 60),
        str(actor.user_id),
    )
    async with svc.sessions() as session:
        user = await users.get_user(session, actor.user_id)
    if user is None:
        raise unauthorized()
    if not await svc.passwords.verify(user.password_hash, req.current_password):
        raise AppError(ErrorCode.FORBIDDEN, "the current password is wrong")
    check_password_policy(user.email, req.password)
    password_hash = await svc.passwords.hash(req.password)
    async with svc.tx() as tx:
        await users.set_password_hash(tx.session, user.id, password_hash)
        await revoke_other_sessions(tx, user.id, actor.family_id)
