"""Accounts and sessions: register, login, refresh with rotation, logout, identify."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from protocol.auth import (
    LoginRequest,
    MembershipOut,
    MeOut,
    MePatch,
    ProfileOut,
    RegisterRequest,
    TokenPair,
)
from protocol.enums import MemberRole
from protocol.errors import AppError, ErrorCode, FieldError, validation_error
from protocol.realtime import OrgRole
from store import organizations, refresh_tokens, users
from store.models import Profile

from ..auth.tokens import AccessClaims, hash_token, new_opaque_token, unauthorized
from ..policy import act_as, member_of
from ..ratelimit import Limit
from .core import Services, Tx


@dataclass(frozen=True)
class Actor:
    """An authenticated user. `family_id` ties the access token to its login session."""

    user_id: uuid.UUID
    family_id: uuid.UUID | None
    expires_at: datetime


def _now() -> datetime:
    return datetime.now(UTC)


def check_password_policy(email: str, password: str) -> None:
    """At least 10 characters (the model checks), and not the email or its local part."""
    lowered = password.strip().lower()
    local = email.split("@", 1)[0].lower()
    if lowered in {email.lower(), local} or len(set(password)) < 4:
        raise validation_error(
            [FieldError(loc=["body", "password"], msg="password is too easy to guess")]
        )


async def _issue_tokens(
    svc: Services, tx: Tx, user_id: uuid.UUID, family_id: uuid.UUID
) -> TokenPair:
    token, token_hash = new_opaque_token()
    ttl = timedelta(seconds=svc.settings.refresh_token_ttl_seconds)
    await refresh_tokens.add_refresh_token(
        tx.session,
        user_id=user_id,
        family_id=family_id,
        token_hash=token_hash,
        expires_at=_now() + ttl,
    )
    return TokenPair(
        access_token=svc.tokens.issue_access(user_id, family_id),
        refresh_token=token,
        expires_in=svc.settings.access_token_ttl_seconds,
    )


async def register(svc: Services, req: RegisterRequest, address: str) -> uuid.UUID | None:
    """Create the account unless the email already has one; the id of the new account,
    or None when there was one already (or a concurrent registration took the email
    first). Callers answer the same either way (docs/registration.md): the mail to the
    email's owner (issue 20) goes where the None is returned. Both paths hash the
    password, so they cost about the same."""
    check_password_policy(req.email, req.password)
    await svc.limiter.hit(
        Limit("register", svc.settings.registrations_per_hour_per_address, 3600), address
    )
    password_hash = await svc.passwords.hash(req.password)
    try:
        async with svc.tx() as tx:
            if await users.get_user_by_email(tx.session, req.email) is not None:
                return None
            profile = await users.create_user(
                tx.session,
                email=req.email,
                password_hash=password_hash,
                prenom=req.prenom,
                nom=req.nom,
            )
            return profile.id
    except AppError as exc:
        if exc.code is not ErrorCode.CONFLICT:  # the unique email index, in a race
            raise
        return None


async def login(svc: Services, req: LoginRequest, address: str) -> TokenPair:
    """Same answer and same cost whether the email is unknown or the password wrong."""
    minute = 60
    await svc.limiter.hit(
        Limit("login-address", svc.settings.login_attempts_per_minute_per_address, minute),
        address,
    )
    await svc.limiter.hit(
        Limit("login-email", svc.settings.login_attempts_per_minute_per_email, minute),
        users.normalize_email(req.email),
    )
    async with svc.sessions() as session:
        user = await users.get_user_by_email(session, req.email)
    stored = user.password_hash if user is not None and user.disabled_at is None else None
    if not await svc.passwords.verify(stored, req.password) or user is None:
        raise unauthorized("wrong email or password")
    async with svc.tx() as tx:
        if stored is not None and svc.passwords.needs_rehash(stored):
            fresh = await svc.passwords.hash(req.password)
            user.password_hash = fresh
            await tx.session.merge(user)
        return await _issue_tokens(svc, tx, user.id, uuid.uuid4())


async def refresh(svc: Services, token: str) -> TokenPair:
    """Rotate: the presented token is spent and a new one issued in its family. Presenting
    a spent token again means it leaked: the whole family is revoked."""
    now = _now()
    reused = False
    async with svc.tx() as tx:
        row = await refresh_tokens.get_refresh_token(tx.session, hash_token(token))
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            raise unauthorized("invalid or expired refresh token")
        if await refresh_tokens.spend_refresh_token(tx.session, row.id, now):
            return await _issue_tokens(svc, tx, row.user_id, row.family_id)
        await refresh_tokens.revoke_family(tx.session, row.family_id, now)
        reused = True
    assert reused
    raise unauthorized("refresh token reused; every session of this login was ended")


async def logout(svc: Services, actor: Actor, token: str | None) -> None:
    now = _now()
    async with svc.tx() as tx:
        if token is None:
            await refresh_tokens.revoke_user_tokens(tx.session, actor.user_id, now)
            return
        row = await refresh_tokens.get_refresh_token(tx.session, hash_token(token))
        if row is None or row.user_id != actor.user_id:
            raise unauthorized("invalid refresh token")
        await refresh_tokens.revoke_family(tx.session, row.family_id, now)


async def identify(svc: Services, token: str) -> Actor:
    """The user behind an access token; revoked sessions and disabled accounts are refused.

    A token of the external provider maps its `sub` to a user, created on first sight
    from the `email` claim.
    """
    claims = svc.tokens.verify(token)
    if claims.user_id is None:
        return await _external_actor(svc, claims)
    async with svc.sessions() as session:
        user = await users.get_user(session, claims.user_id)
        if user is None or user.disabled_at is not None:
            raise unauthorized()
        if claims.family_id is not None and await refresh_tokens.family_revoked(
            session, claims.family_id
        ):
            raise unauthorized("session ended")
    return Actor(claims.user_id, claims.family_id, claims.expires_at)


async def _external_actor(svc: Services, claims: AccessClaims) -> Actor:
    assert claims.external_subject is not None
    async with svc.tx() as tx:
        user = await users.get_user_by_subject(tx.session, claims.external_subject)
        if user is None:
            if not claims.email:
                raise unauthorized("external token has no email claim")
            if await users.get_user_by_email(tx.session, claims.email) is not None:
                raise unauthorized("email already registered with a local account")
            local = claims.email.split("@", 1)[0]
            profile = await users.create_user(
                tx.session,
                email=claims.email,
                password_hash=None,
                prenom=local,
                nom=local,
                external_subject=claims.external_subject,
            )
            user_id = profile.id
        elif user.disabled_at is not None:
            raise unauthorized()
        else:
            user_id = user.id
    return Actor(user_id, None, claims.expires_at)


def profile_out(profile: Profile) -> ProfileOut:
    return ProfileOut.model_validate(profile, from_attributes=True)


async def me(svc: Services, actor: Actor) -> MeOut:
    async with svc.sessions() as session:
        profile = await users.get_profile(session, actor.user_id)
        if profile is None:
            raise unauthorized()
        await act_as(session, actor.user_id)
        orgs, _ = await organizations.list_user_organizations(session, user_id=actor.user_id)
    memberships = [
        MembershipOut(id=o.id, name=o.name, slug=o.slug, role=MemberRole(role)) for o, role in orgs
    ]
    return MeOut(**profile_out(profile).model_dump(), organizations=memberships)


async def update_me(svc: Services, actor: Actor, patch: MePatch) -> MeOut:
    changes = patch.changes()
    for key in ("prenom", "nom"):
        if key in changes and changes[key] is None:
            raise validation_error([FieldError(loc=["body", key], msg="may not be null")])
    async with svc.tx() as tx:
        profile = await users.get_profile(tx.session, actor.user_id)
        if profile is None:
            raise unauthorized()
        if patch.organization_id is not None:
            # The primary organization must be one the user belongs to.
            await member_of(tx.session, patch.organization_id, actor.user_id)
        await users.update_profile(tx.session, profile, changes)
    return await me(svc, actor)


async def memberships(svc: Services, actor: Actor) -> list[OrgRole]:
    """Every organization of the user with the role held there."""
    async with svc.sessions() as session:
        await act_as(session, actor.user_id)
        orgs, _ = await organizations.list_user_organizations(session, user_id=actor.user_id)
    return [OrgRole(id=org.id, role=MemberRole(role)) for org, role in orgs]
