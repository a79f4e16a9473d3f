"""Claims of periodic job rounds (store.models.JobRound)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .db import excluded, upsert
from .models import JobRound


async def claim_round(session: AsyncSession, name: str, round_no: int) -> bool:
    """True for the one caller that moves job `name` to `round_no` first: the upsert
    updates the row only while its `last_round` is behind, so a second claim of the
    same round (or of an older one) changes nothing and returns no row."""
    new = excluded(session, JobRound)
    stmt = upsert(
        session,
        JobRound,
        {"name": name, "last_round": round_no},
        conflict=[JobRound.name],
        set_={"last_round": new.last_round},
        where=JobRound.last_round < new.last_round,
    ).returning(JobRound.name)
    return (await session.execute(stmt)).first() is not None


async def last_round(session: AsyncSession, name: str) -> int | None:
    return await session.scalar(select(JobRound.last_round).where(JobRound.name == name))
