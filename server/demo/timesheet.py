"""Six weeks of time: each person logs whole days on the active projects they are
staffed on, in proportion to their allocation. The older weeks are validated by
the project lead (a weekly batch, as a manager does on Mondays), one entry of them is
rejected with a reason, and the last week is still pending."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from protocol.enums import ConsultantStatus, ValidationStatus
from protocol.time import TimeEntryCreate, TimeValidation

from ..services.time import time_approval, time_entries
from .context import Demo
from .people import DETAILS
from .projects import STAFFING, Staffing, active_projects

WEEKS = 6
PENDING_DAYS = 5  # the last week
FULL_DAY, FRIDAY = Decimal("8.00"), Decimal("7.00")
REJECTED = ("nicolas", "migration-cloud")
REJECTION_REASON = (
    "Imputation à corriger : ce temps concerne la tâche « Pipelines CI/CD GitLab », "
    "merci de la renseigner."
)
LEADS = {"camille": "thomas", "thomas": "camille"}  # who validates a lead's own time


def working_days(today: date, count: int) -> list[date]:
    """The `count` weekdays before `today`, oldest first."""
    days: list[date] = []
    day = today
    while len(days) < count:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return days[::-1]


def _plan(demo: Demo, days: list[date]) -> list[tuple[Staffing, date]]:
    """Which project each person works on, day by day: on a day they log a whole day on
    the project furthest behind its share, once their shares add up to a day."""
    active = set(active_projects())
    by_person: dict[str, list[Staffing]] = defaultdict(list)
    for s in STAFFING:
        if s.project in active and DETAILS[s.person].statut is not ConsultantStatus.ON_LEAVE:
            by_person[s.person].append(s)
    plan = []
    for rows in by_person.values():
        due: dict[Staffing, Decimal] = defaultdict(Decimal)
        for day in days:
            current = [s for s in rows if demo.day(s.start) <= day <= demo.day(s.end)]
            for s in current:
                due[s] += Decimal(s.pct) / 100
            if not current or sum(due[s] for s in current) < 1:
                continue
            chosen = max(current, key=lambda s: due[s])
            due[chosen] -= 1
            plan.append((chosen, day))
    return sorted(plan, key=lambda item: (item[1], item[0].person, item[0].project))


def _task_for(demo: Demo, s: Staffing, n: int) -> uuid.UUID | None:
    mine = demo.assigned.get((s.project, s.person), [])
    return mine[n % len(mine)] if mine else None


async def populate(demo: Demo) -> None:
    days = working_days(demo.today, WEEKS * 5)
    settled = set(days[:-PENDING_DAYS])
    # validator -> week -> entry ids
    batches: dict[str, dict[int, list[uuid.UUID]]] = defaultdict(lambda: defaultdict(list))
    rejected: uuid.UUID | None = None
    for n, (s, day) in enumerate(_plan(demo, days)):
        task = _task_for(demo, s, n)
        _, entry = await time_entries.create_time_entry(
            *demo.by(s.person),
            TimeEntryCreate(
                projet_id=demo.projects[s.project],
                tache_id=task,
                date=day,
                heures_travaillees=FRIDAY if day.weekday() == 4 else FULL_DAY,
                description=s.role if task is None else None,
            ),
        )
        demo.made["time entries"] += 1
        if day not in settled:
            continue
        if rejected is None and (s.person, s.project) == REJECTED:
            rejected = entry.id
            continue
        lead = demo.chefs[s.project]
        validator = LEADS[lead] if s.person == lead else lead
        batches[validator][day.isocalendar().week].append(entry.id)
    for validator, weeks in batches.items():
        for ids in weeks.values():
            decision = TimeValidation(ids=ids, decision=ValidationStatus.VALIDE)
            await time_approval.decide(*demo.by(validator), decision)
    if rejected is not None:
        await time_approval.decide(
            *demo.by(demo.chefs[REJECTED[1]]),
            TimeValidation(
                ids=[rejected], decision=ValidationStatus.REJETE, motif=REJECTION_REASON
            ),
        )
