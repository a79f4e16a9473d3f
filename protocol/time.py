"""Time entries (`temps_passe`), their approval and weekly timesheets.

Hours are decimals with two places (`"7.50"` in answers; numbers or strings accepted),
more than 0 and at most 24, and a person's entries of one date add up to at most 24.
Workflow: an entry is created `EN_ATTENTE`; a manager validates (`VALIDE`) or rejects
(`REJETE`, with an optional `motif`) it; correcting a rejected entry puts it back to
`EN_ATTENTE`; a validated entry is locked until an ADMIN reopens it.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .common import YEAR_PATTERN, Day, ListQuery, NotNull, Patch, Request, ShortText
from .enums import ValidationStatus

Hours = Annotated[Decimal, Field(gt=0, le=24, max_digits=4, decimal_places=2)]
SourceTool = Annotated[str, Field(min_length=1, max_length=100)]
# Years 1900..2200 like every date (protocol/common.py), so a week's Sunday cannot overflow.
WEEK = re.compile(f"^{YEAR_PATTERN}-W([0-9]{{2}})$")


def parse_week(value: str) -> date:
    """The Monday of ISO week `YYYY-Www`; ValueError when there is no such week."""
    match = WEEK.match(value)
    if match is None:
        raise ValueError("must be an ISO week such as 2026-W48, of a year from 1900 to 2200")
    try:
        return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        raise ValueError("no such ISO week") from None


class TimeEntryCreate(Request):
    """`profile_id` defaults to the caller; only managers log time for someone else.
    `projet_id` is a project of the organization, `tache_id` (if any) a task of it;
    `date` is not in the future (UTC)."""

    projet_id: uuid.UUID
    tache_id: uuid.UUID | None = None
    date: Day
    heures_travaillees: Hours
    description: ShortText | None = None
    profile_id: uuid.UUID | None = None
    source_outil: SourceTool | None = None


class TimeEntryPatch(Patch):
    projet_id: NotNull[uuid.UUID] = None
    tache_id: uuid.UUID | None = None
    date: NotNull[Day] = None
    heures_travaillees: NotNull[Hours] = None
    description: ShortText | None = None


class TimeEntryFilter(BaseModel):
    """Filters shared by the JSON list and the CSV export; `from`/`to` bound `date`."""

    model_config = ConfigDict(extra="forbid")

    profile_id: uuid.UUID | None = None
    projet_id: uuid.UUID | None = None
    from_: Day | None = Field(default=None, alias="from")
    to: Day | None = None
    validation_statut: ValidationStatus | None = None


class TimeEntryQuery(ListQuery, TimeEntryFilter):
    """Newest date first."""


class TimeEntryOut(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    profile_id: uuid.UUID
    projet_id: uuid.UUID
    tache_id: uuid.UUID | None
    date: dt.date
    heures_travaillees: Decimal
    description: str | None
    source_outil: str | None
    validation_statut: ValidationStatus
    motif_rejet: str | None
    validated_by: uuid.UUID | None
    validated_at: datetime | None
    created_at: datetime
    updated_at: datetime


class TimeValidation(Request):
    """All or nothing: every entry must be `EN_ATTENTE` (409 listing the others)."""

    ids: list[uuid.UUID] = Field(min_length=1, max_length=500)
    decision: Literal[ValidationStatus.VALIDE, ValidationStatus.REJETE]
    motif: ShortText | None = None


class TimeEntryList(BaseModel):
    items: list[TimeEntryOut]


class TimesheetQuery(BaseModel):
    """`week` (ISO, default the current one in UTC); `profile_id` defaults to the caller."""

    model_config = ConfigDict(extra="forbid")

    profile_id: uuid.UUID | None = None
    week: Annotated[str, Field(pattern=WEEK.pattern, examples=["2026-W48"])] | None = None

    @field_validator("week")
    @classmethod
    def _real_week(cls, value: str | None) -> str | None:
        if value is not None:
            parse_week(value)
        return value


class TimesheetDay(BaseModel):
    date: dt.date
    heures: Decimal


class TimesheetProject(BaseModel):
    """`heures_par_jour`: seven sums, Monday to Sunday."""

    projet_id: uuid.UUID
    nom: str
    heures_par_jour: list[Decimal]
    total: Decimal


class StatusCounts(BaseModel):
    """Number of entries in each state."""

    EN_ATTENTE: int = 0
    VALIDE: int = 0
    REJETE: int = 0


class TimesheetOut(BaseModel):
    profile_id: uuid.UUID
    week: str
    date_debut: date
    date_fin: date
    days: list[TimesheetDay]
    projects: list[TimesheetProject]
    total: Decimal
    statuses: StatusCounts
