"""`GET /orgs/{org}/staffing`: who has a skill, and how free they are over a period.

Free allocation is exact, not approximate: 100 minus the highest total `allocation_pct`
of the person's assignments (every project of the organization) on any single day of
[from, to]. (The simpler "100 minus the sum of every assignment overlapping the range"
would call someone busy at 100% when two 50% missions merely follow each other.) The
total can only rise on a day some assignment starts, so only `from` and the start days
inside the range need checking.

Ranking, best fit first: higher skill level, then more free allocation, then profile id
(so pages are stable). The whole ranking is computed (a skill is held by tens of people,
not millions) and paged with an opaque keyset cursor over that order.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, timedelta

from protocol.common import Page
from protocol.enums import ConsultantStatus
from protocol.people import StaffingCandidate, StaffingSearchQuery
from store import consultants, staffing
from store.models import Affectation
from store.pagination import decode_cursor, split_page

from ...actor import Actor
from ...policy import Action, require_member
from ..core import Services, invalid
from .competences import COMPETENCES
from .staffing import active_by_day

MAX_RANGE = timedelta(days=366)


def peak_allocation(rows: list[Affectation], start: date, end: date) -> int:
    """The highest total allocation on any day of [start, end]; `rows` overlap it."""
    loads = (sum(r.allocation_pct for r in active) for active in active_by_day(rows, start, end))
    return max(loads, default=0)


def _check_range(query: StaffingSearchQuery) -> None:
    if query.to < query.from_:
        msg = "must not be before from"
    elif query.to - query.from_ >= MAX_RANGE:
        msg = "the range may span at most 366 days"
    else:
        return
    raise invalid(["query", "to"], msg)


def _sort_key(c: StaffingCandidate) -> tuple[int, int, str]:
    return (-c.niveau, -c.free_pct, str(c.profile_id))


async def search_staffing(
    svc: Services, actor: Actor, org_id: uuid.UUID, query: StaffingSearchQuery
) -> Page[StaffingCandidate]:
    _check_range(query)
    async with svc.sessions() as session:
        await require_member(session, org_id, actor.user_id, Action.READ_PEOPLE)
        await COMPETENCES.row(session, org_id, query.competence_id, for_update=False)
        found = await consultants.skilled_members(
            session, org_id=org_id, competence_id=query.competence_id, min_niveau=query.min_niveau
        )
        busy = await staffing.overlapping_assignments(
            session,
            org_id=org_id,
            profile_ids=[p.id for _, p, _ in found],
            start=query.from_,
            end=query.to,
        )
    by_person: dict[uuid.UUID, list[Affectation]] = defaultdict(list)
    for row in busy:
        by_person[row.profile_id].append(row)
    candidates = []
    for skill, person, details in found:
        allocated = min(100, peak_allocation(by_person[person.id], query.from_, query.to))
        candidates.append(
            StaffingCandidate(
                profile_id=person.id,
                prenom=person.prenom,
                nom=person.nom,
                job_title=details.job_title if details else None,
                statut=ConsultantStatus(details.statut) if details and details.statut else None,
                niveau=skill.niveau or 1,
                date_evaluation=skill.date_evaluation,
                allocated_pct=allocated,
                free_pct=100 - allocated,
            )
        )
    candidates.sort(key=_sort_key)
    if query.cursor is not None:
        niveau, free, last = decode_cursor(query.cursor, [int, int, str])
        mark = (-niveau, -free, last)
        candidates = [c for c in candidates if _sort_key(c) > mark]
    items, cursor = split_page(
        candidates, query.limit, lambda c: [c.niveau, c.free_pct, str(c.profile_id)]
    )
    return Page(items=items, next_cursor=cursor)
