"""Accounts and sessions: register, login, refresh with rotation, logout, identify."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from protocol.auth import (
    LoginRequest,
    LogoutRequest,
    MembershipOut,
    MeOut,
    MePatch,
    ProfileOut,
    RefreshRequest,
    RegisterRequest,
    TokenPair,
)
from protocol.enums import MemberRole
from protocol.errors import AppError, ErrorCode
from protocol.realtime import OrgRole
from store import organizations, refresh_tokens, users
from store.models import Profile

from ...actor import Actor
from ...auth.memberships import Roles
from ...auth.tokens import AccessClaims, hash_token, new_opaque_token, unauthorized
from ...policy import act_as, member_of
from ...ratelimit import Limit
from ..access import sessions_ended
from ..clock import utc_now
from ..core import Services, Tx, invalid
from ..resource import out_of
from . import account_mail

LOGIN_REFUSED = "wrong email or password, or the address is not confirmed yet"


def check_password_policy(email: str, password: str) -> None:
    """At least 10 characters (the model checks), and not the email or its local part."""
    lowered = password.strip().lower()
    local = email.split("@", 1)[0].lower()
    if lowered in {email.lower(), local} or len(set(password)) < 4:
        raise invalid(["body", "password"], "password is too easy to guess")


async def _issue_tokens(
    svc: Services, tx: Tx, user_id: uuid.UUID, family_id: uuid.UUID
) -> TokenPair:
    token, token_hash = new_opaque_token()
    expires = utc_now() + timedelta(seconds=svc.settings.refresh_token_ttl_seconds)
    await refresh_tokens.add_refresh_token(
        tx.session, user_id=user_id, family_id=family_id, token_hash=token_hash, expires_at=expires
    )
    return TokenPair(
        access_token=svc.tokens.issue_access(user_id, family_id),
        refresh_token=token,
        expires_in=svc.settings.access_token_ttl_seconds,
    )


async def register(svc: Services, req: RegisterRequest, address: str) -> None:
    """Create an account that signs in once its address is confirmed by the mailed link.

    The answer is the same whether or not the address is taken (no enumeration): a
    taken address gets a "you already have an account" mail instead. A registration of
    an address still unconfirmed replaces the pending password and names and mails a
    fresh link (earlier links stop working), so whoever registered first cannot hold
    an address they do not own.
    """
    check_password_policy(req.email, req.password)
    await svc.limiter.hit(
        Limit("register", svc.settings.registrations_per_hour_per_address, 3600), address
    )
    password_hash = await svc.passwords.hash(req.password)
    try:
        async with svc.tx() as tx:
            user = await users.get_user_by_email(tx.session, req.email)
            if user is None:
                profile = await users.create_user(
                    tx.session,
                    email=req.email,
                    password_hash=password_hash,
                    prenom=req.prenom,
                    nom=req.nom,
                )
                user = await users.get_user(tx.session, profile.id)
                assert user is not None
                await account_mail.send_verification(svc, tx, user)
            elif user.email_verified_at is None and user.external_subject is None:
                await users.set_password_hash(tx.session, user.id, password_hash)
                pending = await users.get_profile(tx.session, user.id)
                if pending is not None:
                    await users.update_profile(
                        tx.session, pending, {"prenom": req.prenom, "nom": req.nom}
                    )
                await account_mail.send_verification(svc, tx, user)
            elif user.disabled_at is None:
                await account_mail.tell_account_exists(svc, tx, user)
    except AppError as exc:
        # Two registrations of one new address at once: the unique index let the first
        # in; the second answers the same (the address's mailbox has the first's link).
        if exc.code is not ErrorCode.CONFLICT:
            raise


async def create_confirmed_account(svc: Services, req: RegisterRequest) -> None:
    """An account whose address is taken as confirmed, without mail: for the operator's
    own commands (`aurentia demo`, whose reserved `.example` addresses never receive
    mail), never reachable from a client. A taken address is a `conflict`."""
    check_password_policy(req.email, req.password)
    password_hash = await svc.passwords.hash(req.password)
    async with svc.tx() as tx:
        if await users.get_user_by_email(tx.session, req.email) is not None:
            raise AppError(ErrorCode.CONFLICT, "an account with this email already exists")
        await users.create_user(
            tx.session,
            email=req.email,
            password_hash=password_hash,
            prenom=req.prenom,
            nom=req.nom,
            email_verified_at=utc_now(),
        )


async def login(svc: Services, req: LoginRequest, address: str) -> TokenPair:
    """Same answer and same cost whether the email is unknown or the password wrong."""
    minute = 60
    await svc.limiter.hit(
        Limit("login-address", svc.settings.login_attempts_per_minute_per_address, minute), address
    )
    await svc.limiter.hit(
        Limit("login-email", svc.settings.login_attempts_per_minute_per_email, minute),
        users.normalize_email(req.email),
    )
    async with svc.sessions() as session:
        user = await users.get_user_by_email(session, req.email)
    stored = user.password_hash if user is not None and user.disabled_at is None else None
    # An unconfirmed account answers like a wrong password: telling them apart would
    # tell a registrant whether the address they registered already had an account.
    if (
        not await svc.passwords.verify(stored, req.password)
        or user is None
        or user.email_verified_at is None
    ):
        raise unauthorized(LOGIN_REFUSED)
    async with svc.tx() as tx:
        if stored is not None and svc.passwords.needs_rehash(stored):
            fresh = await svc.passwords.hash(req.password)
            user.password_hash = fresh
            await tx.session.merge(user)
        return await _issue_tokens(svc, tx, user.id, uuid.uuid4())


async def revoke_family(tx: Tx, user_id: uuid.UUID, family_id: uuid.UUID) -> None:
    """End one login session: its refresh tokens are revoked, access tokens of the family
    are refused from the commit on, and its open sockets, on every process, get
    `auth:expired` and are disconnected. Every path that ends a session comes here."""
    await refresh_tokens.revoke_family(tx.session, family_id, utc_now())
    sessions_ended(tx, user_id, family_id)


async def revoke_all_sessions(tx: Tx, user_id: uuid.UUID) -> None:
    """End every session of the user (logout everywhere, a password change or reset):
    every refresh token revoked and every socket of theirs ended, on every process."""
    await refresh_tokens.revoke_user_tokens(tx.session, user_id, utc_now())
    sessions_ended(tx, user_id)


async def revoke_other_sessions(tx: Tx, user_id: uuid.UUID, keep_family: uuid.UUID | None) -> None:
    """End every session of the user but `keep_family` (a password change keeps the
    session that made it): refresh tokens revoked, those sessions' sockets ended. Without
    one (a token of the external provider is no login session of ours), every session."""
    if keep_family is None:
        await revoke_all_sessions(tx, user_id)
        return
    for family_id in await refresh_tokens.revoke_user_tokens_except(
        tx.session, user_id, keep_family, utc_now()
    ):
        sessions_ended(tx, user_id, family_id)


async def refresh(svc: Services, req: RefreshRequest) -> TokenPair:
    """Rotate: the presented token is spent and a new one issued in its family. Presenting
    a spent token again means it leaked: the whole family is revoked."""
    now = utc_now()
    reused = False
    async with svc.tx() as tx:
        row = await refresh_tokens.get_refresh_token(tx.session, hash_token(req.refresh_token))
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            raise unauthorized("invalid or expired refresh token")
        if await refresh_tokens.spend_refresh_token(tx.session, row.id, now):
            return await _issue_tokens(svc, tx, row.user_id, row.family_id)
        await revoke_family(tx, row.user_id, row.family_id)
        reused = True
    assert reused
    raise unauthorized("refresh token reused; every session of this login was ended")


async def logout(svc: Services, actor: Actor, req: LogoutRequest) -> None:
    async with svc.tx() as tx:
        if req.refresh_token is None:
            await revoke_all_sessions(tx, actor.user_id)
            return
        row = await refresh_tokens.get_refresh_token(tx.session, hash_token(req.refresh_token))
        if row is None or row.user_id != actor.user_id:
            raise unauthorized("invalid refresh token")
        await revoke_family(tx, actor.user_id, row.family_id)


async def identify(svc: Services, token: str) -> Actor:
    """The user behind an access token; revoked sessions and disabled accounts are refused.

    A token of the external provider maps its `sub` to a user, created on first sight
    from the `email` claim. A session seen signed in a moment ago is not asked again
    (server/auth/signed_in.py: ending a session clears that on every process).
    """
    claims = await svc.tokens.verify_async(token)
    if claims.user_id is None:
        return await _external_actor(svc, claims)
    actor = Actor(claims.user_id, claims.family_id, claims.expires_at)
    if svc.signed_in.known(actor.user_id, actor.family_id):
        return actor
    generation = svc.signed_in.generation
    async with svc.sessions() as session:
        if not await users.signed_in(session, actor.user_id, actor.family_id):
            raise unauthorized("session ended")
    svc.signed_in.remember(actor.user_id, actor.family_id, generation)
    return actor


async def connect_identity(svc: Services, token: str) -> tuple[Actor, list[OrgRole]]:
    """`identify` and `memberships` for a socket connection, in one statement: the
    memberships are read only if the session still stands (none when the cache says
    so), so a connect costs one database round trip, not two sessions; none when both
    the session and the memberships were read a moment ago (server/auth/memberships.py:
    another device of the same person, a reconnect)."""
    claims = await svc.tokens.verify_async(token)
    if claims.user_id is None:
        actor = await _external_actor(svc, claims)
        return actor, await memberships(svc, actor)
    actor = Actor(claims.user_id, claims.family_id, claims.expires_at)
    known = svc.signed_in.known(actor.user_id, actor.family_id)
    roles = svc.memberships.roles_of(actor.user_id) if known else None
    if roles is None:
        generation = svc.signed_in.generation
        read_at = svc.memberships.generation

        async def read() -> Roles | None:
            async with svc.sessions() as session:
                await act_as(session, actor.user_id)
                return await users.signed_in_memberships(
                    session, actor.user_id, None if known else actor.family_id, check=not known
                )

        # The devices of one person reconnecting together share one read (a session that
        # ended since it began is another key: the generation is part of it).
        key = ("connect", actor.user_id, actor.family_id, known, generation)
        roles = await svc.memberships.shared(key, read)
        if roles is None:
            raise unauthorized("session ended")
        if not known:
            svc.signed_in.remember(actor.user_id, actor.family_id, generation)
        svc.memberships.remember_roles(actor.user_id, roles, read_at)
    return actor, [OrgRole(id=org_id, role=MemberRole(role)) for org_id, role in roles]


async def _external_actor(svc: Services, claims: AccessClaims) -> Actor:
    """The account of an external subject. On first sight it is linked to the local
    account with the same address when both the provider (`email_verified`) and the
    local account vouch for that address; otherwise a new account is created, its
    address verified when the provider says so."""
    assert claims.external_subject is not None
    now = utc_now()
    async with svc.tx() as tx:
        user = await users.get_user_by_subject(tx.session, claims.external_subject)
        if user is None:
            user_id = await _first_external_sign_in(tx, claims, now)
        elif user.disabled_at is not None:
            raise unauthorized()
        else:
            user_id = user.id
            if claims.email_verified and user.email_verified_at is None:
                await users.mark_email_verified(tx.session, user_id, now)
    return Actor(user_id, None, claims.expires_at)


async def _first_external_sign_in(tx: Tx, claims: AccessClaims, now: datetime) -> uuid.UUID:
    assert claims.external_subject is not None
    if not claims.email:
        raise unauthorized("external token has no email claim")
    existing = await users.get_user_by_email(tx.session, claims.email)
    if existing is not None:
        linkable = (
            claims.email_verified
            and existing.email_verified_at is not None
            and existing.external_subject is None
            and existing.disabled_at is None
        )
        if not linkable:
            raise unauthorized("this address belongs to an account the provider cannot vouch for")
        await users.link_subject(tx.session, existing.id, claims.external_subject)
        return existing.id
    local = claims.email.split("@", 1)[0]
    profile = await users.create_user(
        tx.session,
        email=claims.email,
        password_hash=None,
        prenom=local,
        nom=local,
        external_subject=claims.external_subject,
        email_verified_at=now if claims.email_verified else None,
    )
    return profile.id


def profile_out(profile: Profile) -> ProfileOut:
    return ProfileOut.model_validate(profile, from_attributes=True)


async def me(svc: Services, actor: Actor) -> MeOut:
    async with svc.sessions() as session:
        profile = await users.get_profile(session, actor.user_id)
        if profile is None:
            raise unauthorized()
        await act_as(session, actor.user_id)
        orgs, _ = await organizations.list_user_organizations(session, user_id=actor.user_id)
    memberships = [out_of(MembershipOut, org, role=MemberRole(role)) for org, role in orgs]
    return MeOut(**profile_out(profile).model_dump(), organizations=memberships)


async def update_me(svc: Services, actor: Actor, patch: MePatch) -> MeOut:
    changes = patch.changes()
    for key in ("prenom", "nom", "locale", "email_notifications"):
        if key in changes and changes[key] is None:
            raise invalid(["body", key], "may not be null")
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
