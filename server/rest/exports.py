"""Downloads for accountants: one `Export` spec serves a list as `.csv`
(`?dialect=rfc4180|excel-fr`) and `.xlsx`; here the exports of projects, tasks and the
activity log (time entries and invoices are declared with their own routes).

Each export holds what its JSON list would page through, with the same filters and the
same access rule: it reads through the list service itself (or the service's batched
export), so a refusal comes from the first page (problem+json, before any byte) and each
later page is read in a short transaction of its own.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from pydantic import BaseModel

from protocol import exports as p
from protocol.common import Page
from protocol.notifications import ActivityQuery
from protocol.projects import ProjectQuery
from protocol.tasks import TaskQuery

from ..actor import Actor
from ..services import feed
from ..services.clock import zone_for
from ..services.core import Services
from ..services.projects import projects, tasks
from .context import actor, services
from .csvexport import CSV, stream_csv
from .json import parse_query, path_uuid
from .limits import Named, limited
from .openapi import PATH_PARAM, api
from .resource import Parses, record
from .xlsxexport import XLSX, send_xlsx

routes = web.RouteTableDef()

ORG = "/api/v1/orgs/{org}"
Items = AsyncIterator[Sequence[Any]]
# (services, caller, the path's ids from `{org}` on, the query) -> the items in batches,
# the first batch read (and access checked) before it answers.
Source = Callable[[Services, Actor, list[uuid.UUID], Any], Awaitable[Items]]
PAGE = 200
CSV_NOTE = "as CSV (`dialect`: rfc4180 or excel-fr)"
XLSX_NOTE = "as an Excel workbook"


def pages(list_fn: Callable[..., Awaitable[Page[Any]]], model: type[BaseModel]) -> Source:
    """Items paged through a JSON list service, its query `model` built from the export's
    filters: the first page now (it carries the access check), the rest when streamed."""

    async def source(svc: Services, caller: Actor, ids: list[uuid.UUID], query: Any) -> Items:
        filters = query.model_dump(exclude={"dialect"}, exclude_none=True)

        def fetch(cursor: str | None) -> Awaitable[Page[Any]]:
            return list_fn(svc, caller, *ids, model(limit=PAGE, cursor=cursor, **filters))

        page = await fetch(None)

        async def items() -> Items:
            current = page
            while True:
                yield current.items
                if current.next_cursor is None:
                    return
                current = await fetch(current.next_cursor)

        return items()

    return source


def batches(export_fn: Callable[..., Awaitable[Items]]) -> Source:
    """A service's batched export, which checks access before it answers."""
    return lambda svc, caller, ids, query: export_fn(svc, caller, *ids, query)


@dataclass(frozen=True)
class Export:
    """A list served as `{path}.csv` and `{path}.xlsx`: handlers `export_<file>` and
    `export_<file>_xlsx`, files `<file>.csv` and `.xlsx`, summaries `<what> as CSV
    ...<order>` and `<what> as an Excel workbook<order>`, descriptions `csv_doc` and
    `xlsx_doc`, each route with its query model."""

    path: str
    file: str
    columns: Sequence[str]
    source: Source
    tags: Sequence[str]
    what: str
    csv_query: type[BaseModel]
    xlsx_query: type[BaseModel]
    csv_doc: str
    xlsx_doc: str = "The rows of the CSV export, typed."
    order: str = ""
    errors: Sequence[int] = ()


def _handler(spec: Export, model: type[BaseModel], ids: Sequence[str], csv: bool) -> Handler:
    """Parse the query first, then authenticate, then read `{org}` and the other ids; the
    file's instants in the organization's time zone where its format states one."""

    async def run(request: web.Request) -> web.StreamResponse:
        query: Any = parse_query(request, model)
        caller = await actor(request)
        path = [path_uuid(request, name) for name in ids]
        found = await spec.source(services(request), caller, path, query)
        rows = (
            [[getattr(item, c) for c in spec.columns] for item in batch] async for batch in found
        )
        zone = await zone_for(services(request), path[0])
        if csv:
            name = f"{spec.file}.csv"
            return await stream_csv(request, name, spec.columns, rows, query.dialect, zone)
        return await send_xlsx(request, f"{spec.file}.xlsx", spec.columns, rows, zone)

    return run


def serve_export(routes: web.RouteTableDef, spec: Export) -> None:
    """Add `spec`'s two routes, each drawing on the exports' rate limit."""
    module = sys._getframe(1).f_globals["__name__"]
    ids = PATH_PARAM.findall(spec.path)
    name = "export_" + spec.file.replace("-", "_")
    for csv, model, note, doc in (
        (True, spec.csv_query, CSV_NOTE, spec.csv_doc),
        (False, spec.xlsx_query, XLSX_NOTE, spec.xlsx_doc),
    ):
        p = Parses(query=model, path=tuple(ids[1:]))
        run = record(
            _handler(spec, model, ids, csv), name + ("" if csv else "_xlsx"), module, doc, p
        )
        document = api(
            f"{spec.what} {note}{spec.order}",
            tags=spec.tags,
            query=model,
            content_type=CSV if csv else XLSX,
            errors=spec.errors,
        )
        routes.get(spec.path + (".csv" if csv else ".xlsx"))(document(limited(Named.EXPORTS)(run)))


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
TAGS = ["exports"]

serve_export(
    routes,
    Export(
        ORG + "/projects",
        "projects",
        PROJECT_COLUMNS,
        pages(projects.list_projects, ProjectQuery),
        TAGS,
        "Projects",
        p.ProjectCsvQuery,
        p.ProjectExportQuery,
        """Every project the JSON list shows the caller (CLIENT members: their clients'),
        oldest first.""",
    ),
)
serve_export(
    routes,
    Export(
        ORG + "/projects/{id}/tasks",
        "tasks",
        TASK_COLUMNS,
        pages(tasks.list_tasks, TaskQuery),
        TAGS,
        "A project's tasks",
        p.TaskCsvQuery,
        p.TaskExportQuery,
        "Every task of the project, in board order, to whoever may read its board.",
    ),
)
serve_export(
    routes,
    Export(
        ORG + "/activity",
        "activity",
        ACTIVITY_COLUMNS,
        pages(feed.list_activity, ActivityQuery),
        TAGS,
        "The activity log",
        p.ActivityCsvQuery,
        p.ActivityExportQuery,
        "The activity log, newest first, to owners, admins and managers.",
        errors=[403],
    ),
)
