"""Query parameters of the downloads (CSV and .xlsx) for accountants.

Each export takes the filters of its JSON list, without paging (the file holds every
match); a CSV export also takes `dialect`.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from .enums import ProjectStatus, TaskPriority, TaskStatus
from .finance import InvoiceExportQuery
from .tasks import Tag
from .time import TimeEntryFilter


class CsvDialect(StrEnum):
    """`rfc4180`: UTF-8, `,`, ISO dates and `.` decimals (the default, for programs).
    `excel-fr`: what French Excel opens as it is: a UTF-8 BOM, `;`, decimal comma,
    dates JJ/MM/AAAA and times in the organization's time zone."""

    RFC4180 = "rfc4180"
    EXCEL_FR = "excel-fr"


class CsvQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dialect: CsvDialect = CsvDialect.RFC4180


class InvoiceCsvQuery(InvoiceExportQuery, CsvQuery):
    pass


class TimeEntryCsvQuery(TimeEntryFilter, CsvQuery):
    pass


class ProjectExportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    statut: ProjectStatus | None = None
    client_id: uuid.UUID | None = None


class ProjectCsvQuery(ProjectExportQuery, CsvQuery):
    pass


class TaskExportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    statut: TaskStatus | None = None
    profile_responsable_id: uuid.UUID | None = None
    priority: TaskPriority | None = None
    tag: Tag | None = None


class TaskCsvQuery(TaskExportQuery, CsvQuery):
    pass


class ActivityExportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resource_type: str | None = Field(default=None, max_length=64)
    resource_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None


class ActivityCsvQuery(ActivityExportQuery, CsvQuery):
    pass
