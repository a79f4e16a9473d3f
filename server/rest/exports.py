"""Downloads for accountants: the format dispatch shared by every export, and the
exports of projects, tasks and the activity log.

Each export holds what its JSON list would page through, with the same filters and the
same access rule: it pages through the list service itself, so a refusal comes from the
first page (problem+json, before any byte) and each later page is read in a short
transaction of its own. Formats: `.csv` (`?dialect=rfc4180|excel-fr`) and `.xlsx`.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel

from protocol.common import Page
from protocol.exports import (
    ActivityCsvQuery,
    ActivityExportQuery,
    CsvDialect,
    ProjectCsvQuery,
    ProjectExportQuery,
    TaskCsvQuery,
    TaskExportQuery,
)
from protocol.notifications import ActivityQuery
from protocol.projects import ProjectQuery
from protocol.tasks import TaskQuery

from ..services import feed
from ..services.clock import zone_for
from ..services.projects import projects, tasks
from .context import actor, services
from .csvexport import CSV, stream_csv
from .json import parse_query, path_uuid
from .limits import Named, limited
from .openapi import api
from .xlsxexport import XLSX, send_xlsx

routes = web.RouteTableDef()

ORG = "/api/v1/orgs/{org}"
T = TypeVar("T", bound=BaseModel)
Rows = AsyncIterator[list[list[Any]]]
PAGE = 200
TAGS = ["exports"]

PROJECT_COLUMNS = (
    "id",
    "nom",
    "client_id",
    "chef_projet_id",
    "statut",
    "date_debut",
    "date_fin_prevue",
    "description",
    "created_at",
    "updated_at",
)
TASK_COLUMNS = (
    "id",
    "projet_id",
    "nom",
    "statut",
    "position",
    "priority",
    "profile_responsable_id",
    "charge_estimee_jh",
    "date_fin_cible",
    "tags",
    "description",
    "created_at",
    "updated_at",
)
ACTIVITY_COLUMNS = (
    "id",
    "created_at",
    "user_id",
    "action",
    "resource_type",
    "resource_id",
    "description",
    "metadata",
)


async def send(
    request: web.Request,
    org_id: uuid.UUID,
    name: str,
    columns: Sequence[str],
    rows: Rows,
    dialect: CsvDialect | None,
) -> web.StreamResponse:
    """`name`.csv in `dialect`, or `name`.xlsx when `dialect` is None; instants in the
    organization's time zone where the format states one."""
    zone = await zone_for(services(request), org_id)
    if dialect is None:
        return await send_xlsx(request, f"{name}.xlsx", columns, rows, zone)
    return await stream_csv(request, f"{name}.csv", columns, rows, dialect, zone)


async def paged(fetch: Callable[[str | None], Awaitable[Page[T]]], columns: Sequence[str]) -> Rows:
    """Read the first page now (it carries the access check), the rest when streamed."""
    page = await fetch(None)

    async def rows() -> Rows:
        current = page
        while True:
            yield [[getattr(item, c) for c in columns] for item in current.items]
            if current.next_cursor is None:
                return
            current = await fetch(current.next_cursor)

    return rows()


def _filters(query: BaseModel) -> dict[str, Any]:
    return query.model_dump(exclude={"dialect"}, exclude_none=True)


async def _projects(
    request: web.Request, query: ProjectExportQuery, dialect: CsvDialect | None
) -> web.StreamResponse:
    caller, org_id = await actor(request), path_uuid(request, "org")
    svc, filters = services(request), _filters(query)

    def fetch(cursor: str | None) -> Awaitable[Page[Any]]:
        page_query = ProjectQuery(limit=PAGE, cursor=cursor, **filters)
        return projects.list_projects(svc, caller, org_id, page_query)

    rows = await paged(fetch, PROJECT_COLUMNS)
    return await send(request, org_id, "projects", PROJECT_COLUMNS, rows, dialect)


async def _tasks(
    request: web.Request, query: TaskExportQuery, dialect: CsvDialect | None
) -> web.StreamResponse:
    caller, org_id = await actor(request), path_uuid(request, "org")
    project_id = path_uuid(request, "id")
    svc, filters = services(request), _filters(query)

    def fetch(cursor: str | None) -> Awaitable[Page[Any]]:
        page_query = TaskQuery(limit=PAGE, cursor=cursor, **filters)
        return tasks.list_tasks(svc, caller, org_id, project_id, page_query)

    rows = await paged(fetch, TASK_COLUMNS)
    return await send(request, org_id, "tasks", TASK_COLUMNS, rows, dialect)


async def _activity(
    request: web.Request, query: ActivityExportQuery, dialect: CsvDialect | None
) -> web.StreamResponse:
    caller, org_id = await actor(request), path_uuid(request, "org")
    svc, filters = services(request), _filters(query)

    def fetch(cursor: str | None) -> Awaitable[Page[Any]]:
        page_query = ActivityQuery(limit=PAGE, cursor=cursor, **filters)
        return feed.list_activity(svc, caller, org_id, page_query)

    rows = await paged(fetch, ACTIVITY_COLUMNS)
    return await send(request, org_id, "activity", ACTIVITY_COLUMNS, rows, dialect)


CSV_NOTE = "as CSV (`dialect`: rfc4180 or excel-fr)"
XLSX_NOTE = "as an Excel workbook"
PROJECTS = ORG + "/projects"
TASKS = ORG + "/projects/{id}/tasks"
ACTIVITY = ORG + "/activity"


@routes.get(PROJECTS + ".csv")
@api(f"Projects {CSV_NOTE}", tags=TAGS, query=ProjectCsvQuery, content_type=CSV)
@limited(Named.EXPORTS)
async def export_projects(request: web.Request) -> web.StreamResponse:
    """Every project the JSON list shows the caller (CLIENT members: their clients'),
    oldest first."""
    query = parse_query(request, ProjectCsvQuery)
    return await _projects(request, query, query.dialect)


@routes.get(PROJECTS + ".xlsx")
@api(f"Projects {XLSX_NOTE}", tags=TAGS, query=ProjectExportQuery, content_type=XLSX)
@limited(Named.EXPORTS)
async def export_projects_xlsx(request: web.Request) -> web.StreamResponse:
    """The rows of the CSV export, typed."""
    return await _projects(request, parse_query(request, ProjectExportQuery), None)


@routes.get(TASKS + ".csv")
@api(f"A project's tasks {CSV_NOTE}", tags=TAGS, query=TaskCsvQuery, content_type=CSV)
@limited(Named.EXPORTS)
async def export_tasks(request: web.Request) -> web.StreamResponse:
    """Every task of the project, in board order, to whoever may read its board."""
    query = parse_query(request, TaskCsvQuery)
    return await _tasks(request, query, query.dialect)


@routes.get(TASKS + ".xlsx")
@api(f"A project's tasks {XLSX_NOTE}", tags=TAGS, query=TaskExportQuery, content_type=XLSX)
@limited(Named.EXPORTS)
async def export_tasks_xlsx(request: web.Request) -> web.StreamResponse:
    """The rows of the CSV export, typed."""
    return await _tasks(request, parse_query(request, TaskExportQuery), None)


@routes.get(ACTIVITY + ".csv")
@api(
    f"The activity log {CSV_NOTE}",
    tags=TAGS,
    query=ActivityCsvQuery,
    content_type=CSV,
    errors=[403],
)
@limited(Named.EXPORTS)
async def export_activity(request: web.Request) -> web.StreamResponse:
    """The activity log, newest first, to owners, admins and managers."""
    query = parse_query(request, ActivityCsvQuery)
    return await _activity(request, query, query.dialect)


@routes.get(ACTIVITY + ".xlsx")
@api(
    f"The activity log {XLSX_NOTE}",
    tags=TAGS,
    query=ActivityExportQuery,
    content_type=XLSX,
    errors=[403],
)
@limited(Named.EXPORTS)
async def export_activity_xlsx(request: web.Request) -> web.StreamResponse:
    """The rows of the CSV export, typed."""
    return await _activity(request, parse_query(request, ActivityExportQuery), None)
