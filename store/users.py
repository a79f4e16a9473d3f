"""Accounts and profiles. Users are global (not organization-scoped): an account may
belong to several organizations through `user_organizations`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Organization, Profile, RefreshToken, User, UserOrganization
from .scoped import insert_row, set_once, update_row, update_where


def normalize_email(email: str) -> str:
    return email.strip().lower()


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email_normalized == normalize_email(email)))


async def get_user_by_subject(session: AsyncSession, subject: str) -> User | None:
    return await session.scalar(select(User).where(User.external_subject == subject))


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def signed_in(session: AsyncSession, user_id: uuid.UUID, family_id: uuid.UUID | None) -> bool:
    """Whether an access token of `user_id` (from the login session `family_id`) still
    stands: the account exists and is enabled, and logout or reuse detection has not ended
    the session. One statement: every authenticated request and connection asks it."""
    stmt = _standing(select(User.id).where(User.id == user_id), family_id)
    return await session.scalar(stmt) is not None


def _standing(stmt: Any, family_id: uuid.UUID | None) -> Any:
    stmt = stmt.where(User.disabled_at.is_(None))
    if family_id is not None:
        revoked = exists().where(
            RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_not(None)
        )
        stmt = stmt.where(~revoked)
    return stmt


async def signed_in_memberships(
    session: AsyncSession, user_id: uuid.UUID, family_id: uuid.UUID | None, *, check: bool
) -> list[tuple[uuid.UUID, str]] | None:
    """The user's organizations and roles, oldest organization first, in one statement;
    with `check`, None when the session no longer stands (`signed_in`). On PostgreSQL
    the transaction acts as the user (server/policy.py `act_as`)."""
    columns = (User.id, UserOrganization.organization_id, UserOrganization.role)
    stmt = (
        select(*columns)
        .select_from(User)
        .outerjoin(UserOrganization, UserOrganization.user_id == User.id)
        .outerjoin(Organization, Organization.id == UserOrganization.organization_id)
        .where(User.id == user_id)
        .order_by(Organization.created_at, Organization.id)
    )
    if check:
        stmt = _standing(stmt, family_id)
    rows = (await session.execute(stmt)).all()
    if not rows:
        return None
    return [(org_id, role) for _, org_id, role in rows if org_id is not None]


async def create_user(
    session: AsyncSession,
    *,
    email: str,
    password_hash: str | None,
    prenom: str,
    nom: str,
    external_subject: str | None = None,
    email_verified_at: datetime | None = None,
) -> Profile:
    """A user and its profile (same id). The caller checks the email is free first; the
    unique index on the normalized email still guards against a concurrent twin."""
    email = email.strip()
    user = User(
        email=email,
        email_normalized=normalize_email(email),
        password_hash=password_hash,
        external_subject=external_subject,
        email_verified_at=email_verified_at,
    )
    await insert_row(session, user)
    profile = Profile(id=user.id, email=normalize_email(email), prenom=prenom, nom=nom)
    return await insert_row(session, profile)


async def get_profile(session: AsyncSession, user_id: uuid.UUID) -> Profile | None:
    return await session.get(Profile, user_id)


async def update_profile(session: AsyncSession, profile: Profile, changes: dict[str, Any]) -> None:
    await update_row(session, profile, changes)


async def set_presence(
    session: AsyncSession, user_id: uuid.UUID, status: str, last_seen: datetime | None
) -> None:
    values: dict[str, Any] = {"status": status}
    if last_seen is not None:
        values["last_seen"] = last_seen
    await update_where(session, Profile, Profile.id == user_id, **values)


async def touch_last_seen(session: AsyncSession, user_ids: list[uuid.UUID], when: datetime) -> None:
    """One statement for every user still online here: last_seen is kept fresh without a
    write per event."""
    if user_ids:
        await update_where(session, Profile, Profile.id.in_(user_ids), last_seen=when)


async def last_seen_of(
    session: AsyncSession, user_ids: list[uuid.UUID]
) -> dict[uuid.UUID, datetime | None]:
    if not user_ids:
        return {}
    rows = await session.execute(
        select(Profile.id, Profile.last_seen).where(Profile.id.in_(user_ids))
    )
    return {uid: seen for uid, seen in rows.all()}


async def mark_email_verified(session: AsyncSession, user_id: uuid.UUID, when: datetime) -> None:
    await set_once(session, User, user_id, "email_verified_at", when)


async def set_password_hash(session: AsyncSession, user_id: uuid.UUID, password_hash: str) -> None:
    await update_where(session, User, User.id == user_id, password_hash=password_hash)


async def link_subject(session: AsyncSession, user_id: uuid.UUID, subject: str) -> None:
    """Tie an external provider's subject to an existing account (first sign-in)."""
    await set_once(session, User, user_id, "external_subject", subject)
