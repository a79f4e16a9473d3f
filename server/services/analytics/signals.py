"""Everything the analytics rules read about one project on one day, gathered once.

Health (health.py), drifts (drifts.py) and predictions (predictions.py) are pure
functions of a `Signals`; gathering is the only part that touches the store, so the
rules can be read, tested and explained without a database.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from protocol.enums import ConsultantStatus, MilestoneStatus, Severity
from store import analytics
from store.models import Projet

from ..finance.earned_value import Figures, compute, load_inputs

# Weight of an open incident by severity, in "points" (health and quality risk).
SEVERITY_POINTS = {
    Severity.FAIBLE.value: 1,
    Severity.MOYENNE.value: 2,
    Severity.ELEVEE.value: 4,
    Severity.CRITIQUE.value: 8,
}
# A rejected deliverable weighs as much as a little more than a MOYENNE incident.
REJECTED_DELIVERABLE_POINTS = 3


@dataclass(frozen=True)
class Staffed:
    profile_id: uuid.UUID
    allocation_pct: int  # across all the organization's projects, that day
    statut: str | None

    @property
    def over_allocated(self) -> bool:
        return self.allocation_pct > 100

    @property
    def on_leave(self) -> bool:
        return self.statut == ConsultantStatus.ON_LEAVE.value


@dataclass(frozen=True)
class Signals:
    project: Projet
    day: date
    figures: Figures
    tasks_total: int
    tasks_overdue: int
    estimated_days: Decimal  # sum of the tasks' charge_estimee_jh
    milestones_total: int
    milestones_overdue: int
    open_incidents: dict[str, int]
    incidents_total: int
    deliverables_total: int
    deliverables_rejected: int
    staffed: list[Staffed]

    @property
    def incident_points(self) -> int:
        return sum(SEVERITY_POINTS.get(s, 0) * n for s, n in self.open_incidents.items())

    @property
    def open_incident_count(self) -> int:
        return sum(self.open_incidents.values())


async def gather(
    session: AsyncSession, org_id: uuid.UUID, project: Projet, day: date, hours_per_day: Decimal
) -> Signals:
    inputs = (await load_inputs(session, org_id, [project], day))[project.id]
    figures = compute(inputs, hours_per_day, day)
    overdue_milestones = sum(
        1
        for m in inputs.milestones
        if m.due_date < day and m.status != MilestoneStatus.COMPLETED.value
    )
    scope = {"org_id": org_id, "project_id": project.id}
    deliverables, rejected = await analytics.deliverable_counts(session, **scope)
    load = await analytics.staffing_load(session, **scope, day=day)
    open_incidents, incidents_total = await analytics.incident_counts(session, **scope)
    return Signals(
        project=project,
        day=day,
        figures=figures,
        tasks_total=inputs.tasks.total,
        tasks_overdue=inputs.tasks.overdue,
        estimated_days=inputs.tasks.charge_total,
        milestones_total=len(inputs.milestones),
        milestones_overdue=overdue_milestones,
        open_incidents=open_incidents,
        incidents_total=incidents_total,
        deliverables_total=deliverables,
        deliverables_rejected=rejected,
        staffed=[Staffed(who, pct, statut) for who, pct, statut in load],
    )
