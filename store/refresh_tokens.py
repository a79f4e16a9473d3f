"""Refresh tokens, stored by hash and grouped in families (one per login)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .models import RefreshToken
from .scoped import delete_where, insert_row, set_once, update_where


async def add_refresh_token(session: AsyncSession, **fields: Any) -> RefreshToken:
    """A new token: its `user_id`, `family_id`, `token_hash` and `expires_at`."""
    return await insert_row(session, RefreshToken(**fields))


async def get_refresh_token(session: AsyncSession, token_hash: str) -> RefreshToken | None:
    return await session.scalar(select(RefreshToken).where(RefreshToken.token_hash == token_hash))


async def spend_refresh_token(session: AsyncSession, token_id: uuid.UUID, now: datetime) -> bool:
    """Mark a token used, atomically: False when it was already used or revoked, so two
    concurrent refreshes with one token cannot both succeed."""
    revoked = RefreshToken.revoked_at.is_(None)
    return await set_once(session, RefreshToken, token_id, "used_at", now, revoked)


async def revoke_family(session: AsyncSession, family_id: uuid.UUID, now: datetime) -> None:
    await _revoke(session, now, RefreshToken.family_id == family_id)


async def revoke_user_tokens(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> None:
    await _revoke(session, now, RefreshToken.user_id == user_id)


async def _revoke(session: AsyncSession, now: datetime, whose: Any) -> None:
    """Revoke the live tokens `whose` selects."""
    live = RefreshToken.revoked_at.is_(None)
    await update_where(session, RefreshToken, whose, live, revoked_at=now)


async def prune_refresh_tokens(session: AsyncSession, *, older_than: datetime) -> int:
    """Forget the tokens that expired, or were revoked, before `older_than`; the number
    removed. Refresh tokens belong to people, not organizations (no Row Level Security):
    one statement covers every account. The caller picks `older_than` far enough back
    that a still-presentable token (reuse detection) and a revoked family's marker (its
    live access tokens) are kept."""
    gone = or_(RefreshToken.expires_at < older_than, RefreshToken.revoked_at < older_than)
    return await delete_where(session, RefreshToken, gone)


async def revoke_user_tokens_except(
    session: AsyncSession, user_id: uuid.UUID, keep_family: uuid.UUID, now: datetime
) -> set[uuid.UUID]:
    """Every family of the user but one (the session that changed the password); the
    families it revoked, whose sockets must end too."""
    result = await session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.user_id == user_id,
            RefreshToken.family_id != keep_family,
            RefreshToken.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .returning(RefreshToken.family_id)
        .execution_options(synchronize_session=False)
    )
    return set(result.scalars())
