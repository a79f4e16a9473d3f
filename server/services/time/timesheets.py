"""Weekly timesheets: one person's hours of one ISO week, per day and per project.

Every entry counts whatever its state (the `statuses` counts say how many are still
pending or were rejected). Sums are exact decimals, two places.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from protocol.enums import ValidationStatus
from protocol.time import (
    StatusCounts,
    TimesheetDay,
    TimesheetOut,
    TimesheetProject,
    TimesheetQuery,
    parse_week,
)
from store import time_entries as store

from ...actor import Actor
from ...policy import require_member, time_reader_scope
from ..clock import org_today
from ..core import Services
from .time_entries import hours

ZERO = Decimal(0)


def week_of(day: date) -> str:
    """The ISO week holding `day`, as YYYY-Www."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


async def timesheet(
    svc: Services, actor: Actor, org_id: uuid.UUID, query: TimesheetQuery
) -> TimesheetOut:
    """The caller's own week by default; someone else's only for managers (403)."""
    async with svc.sessions() as session:
        member = await require_member(session, org_id, actor.user_id)
        week = query.week or week_of(await org_today(session, org_id, svc.clock()))
        monday = parse_week(week)
        sunday = monday + timedelta(days=6)
        profile_id = time_reader_scope(member, query.profile_id or actor.user_id)
        assert profile_id is not None
        rows = await store.entries_with_projects(
            session,
            org_id=org_id,
            where=store.EntryFilter(profile_id=profile_id, start=monday, end=sunday),
        )
    per_day = [ZERO] * 7
    per_project: dict[uuid.UUID, tuple[str, list[Decimal]]] = {}
    counts = {s: 0 for s in ValidationStatus}
    for entry, nom in rows:
        index = (entry.date - monday).days
        per_day[index] += entry.heures_travaillees
        _, days = per_project.setdefault(entry.projet_id, (nom, [ZERO] * 7))
        days[index] += entry.heures_travaillees
        counts[ValidationStatus(entry.validation_statut or ValidationStatus.EN_ATTENTE)] += 1
    projects = [
        TimesheetProject(
            projet_id=projet_id,
            nom=nom,
            heures_par_jour=[hours(h) for h in days],
            total=hours(sum(days, ZERO)),
        )
        for projet_id, (nom, days) in sorted(per_project.items(), key=lambda kv: kv[1][0])
    ]
    return TimesheetOut(
        profile_id=profile_id,
        week=week,
        date_debut=monday,
        date_fin=sunday,
        days=[
            TimesheetDay(date=monday + timedelta(days=i), heures=hours(h))
            for i, h in enumerate(per_day)
        ],
        projects=projects,
        total=hours(sum(per_day, ZERO)),
        statuses=StatusCounts(**{s.value: n for s, n in counts.items()}),
    )
