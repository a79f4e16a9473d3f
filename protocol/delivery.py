"""A project's deliverables (`livrable`) and its staffing (`affectation`).

Staffing periods are inclusive days; `date_fin` null means open-ended. A consultant's
allocations on any single day, across every project of the organization, may not exceed
100%: a create or update that would is a 409 whose details name the assignments it
collides with (`conflicting_assignment_ids`).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from .common import Day, ListQuery, Name, NotNull, Patch, Request, ShortText
from .enums import DeliverableStatus

AllocationPct = Annotated[int, Field(ge=1, le=100)]
RoleText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class DeliverableCreate(Request):
    nom: Name
    description: ShortText | None = None
    date_prevue: Day | None = None
    date_livraison: Day | None = None
    statut: DeliverableStatus = DeliverableStatus.A_FAIRE


class DeliverablePatch(Patch):
    nom: NotNull[Name] = None
    description: ShortText | None = None
    date_prevue: Day | None = None
    date_livraison: Day | None = None
    statut: NotNull[DeliverableStatus] = None


class DeliverableQuery(ListQuery):
    statut: DeliverableStatus | None = None


class DeliverableOut(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    projet_id: uuid.UUID
    nom: str
    description: str | None
    date_prevue: date | None
    date_livraison: date | None
    statut: DeliverableStatus
    created_at: datetime
    updated_at: datetime


class StaffingCreate(Request):
    """`profile_id` is the consultant: a member of the organization."""

    profile_id: uuid.UUID
    date_debut: Day
    date_fin: Day | None = None
    allocation_pct: AllocationPct = 100
    role: RoleText | None = None


class StaffingPatch(Patch):
    """The consultant of an assignment is fixed; staff someone else with a new one."""

    date_debut: NotNull[Day] = None
    date_fin: Day | None = None
    allocation_pct: NotNull[AllocationPct] = None
    role: RoleText | None = None


class StaffingQuery(ListQuery):
    profile_id: uuid.UUID | None = None


class StaffingOut(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    projet_id: uuid.UUID
    profile_id: uuid.UUID
    role: str | None
    date_debut: date
    date_fin: date | None
    allocation_pct: int
    created_at: datetime
    updated_at: datetime
