"""What time it is, and what day it is for a firm.

"Today" is the date in the organization's own time zone (organizations.timezone), not in
UTC: a Paris firm's invoice falls late at midnight Paris time. The current instant comes
from `Services.clock` (this module's `utc_now` unless a test or a replay injects another),
so every date rule can be checked at a chosen instant, across a DST change included.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from protocol.orgs import DEFAULT_TIMEZONE
from store import organizations

if TYPE_CHECKING:
    from .core import Services


def utc_now() -> datetime:
    """The real clock (the default of `Services.clock`)."""
    return datetime.now(UTC)


def local_date(now: datetime, zone: str) -> date:
    """The calendar date at instant `now` (aware) in the IANA zone `zone`."""
    return now.astimezone(ZoneInfo(zone)).date()


async def org_zone(session: AsyncSession, org_id: uuid.UUID) -> str:
    """The organization's time zone; the default for one that does not exist (the caller
    refuses it on its own terms, with the error its route promises)."""
    zone = await organizations.timezone_of(session, org_id)
    return zone or DEFAULT_TIMEZONE


async def org_today(session: AsyncSession, org_id: uuid.UUID, now: datetime) -> date:
    """The organization's date at instant `now`."""
    return local_date(now, await org_zone(session, org_id))


async def zone_for(svc: Services, org_id: uuid.UUID) -> str:
    """The organization's time zone read in a short session of its own (a download states
    its instants in it after access was checked)."""
    async with svc.sessions() as session:
        return await org_zone(session, org_id)
