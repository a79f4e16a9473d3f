"""Single-use tokens mailed to a user (email verification, password reset), by hash."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .models import AccountToken


async def add_token(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    purpose: str,
    token_hash: str,
    email: str,
    expires_at: datetime,
) -> AccountToken:
    token = AccountToken(
        user_id=user_id, purpose=purpose, token_hash=token_hash, email=email, expires_at=expires_at
    )
    session.add(token)
    await session.flush()
    return token


async def find_usable(
    session: AsyncSession, *, token_hash: str, purpose: str, now: datetime
) -> AccountToken | None:
    """The token when it exists for `purpose`, is unused and has not expired."""
    return await session.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == token_hash,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > now,
        )
    )


async def spend(session: AsyncSession, token_id: uuid.UUID, now: datetime) -> bool:
    """Mark it used, atomically: False when a concurrent request spent it first."""
    result = await session.execute(
        update(AccountToken)
        .where(AccountToken.id == token_id, AccountToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def spend_all(session: AsyncSession, user_id: uuid.UUID, purpose: str, now: datetime) -> None:
    """Retire every outstanding token of the user for `purpose` (a newer one replaces
    them, or the purpose was fulfilled)."""
    await session.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == user_id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
