"""Single-use tokens mailed to a user (email verification, password reset), by hash."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import AccountToken
from .scoped import insert_row, set_once, update_where


async def add_token(session: AsyncSession, **fields: Any) -> AccountToken:
    """A new token: its `user_id`, `purpose`, `token_hash`, `email` and `expires_at`."""
    return await insert_row(session, AccountToken(**fields))


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
    return await set_once(session, AccountToken, token_id, "used_at", now)


async def spend_all(session: AsyncSession, user_id: uuid.UUID, purpose: str, now: datetime) -> None:
    """Retire every outstanding token of the user for `purpose` (a newer one replaces
    them, or the purpose was fulfilled)."""
    await update_where(
        session,
        AccountToken,
        AccountToken.user_id == user_id,
        AccountToken.purpose == purpose,
        AccountToken.used_at.is_(None),
        used_at=now,
    )
