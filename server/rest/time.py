"""`/api/v1/orgs/{org}/time-entries[/{id}]`, their approval, `/timesheets` and the CSV
exports `/time-entries.csv` and `.xlsx`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from protocol.common import Page
from protocol.exports import TimeEntryCsvQuery
from protocol.time import (
    TimeEntryCreate,
    TimeEntryFilter,
    TimeEntryList,
    TimeEntryOut,
    TimeEntryPatch,
    TimeEntryQuery,
    TimesheetOut,
    TimesheetQuery,
    TimeValidation,
)

from ..services.time import time_approval, time_entries, timesheets
from .context import Context, actor, handler, services
from .csvexport import CSV
from .exports import send
from .idempotency import IDEMPOTENCY_DOC, idempotency_key
from .json import json_response, parse_body, parse_query, path_uuid
from .limits import Named, limited
from .openapi import api
from .xlsxexport import XLSX

routes = web.RouteTableDef()

ORG = "/api/v1/orgs/{org}"
ENTRIES = ORG + "/time-entries"
ENTRY = ENTRIES + "/{id}"
TIME = ["time"]
CSV_COLUMNS = (
    "id",
    "date",
    "profile_id",
    "projet_id",
    "tache_id",
    "heures_travaillees",
    "validation_statut",
    "description",
    "motif_rejet",
    "source_outil",
    "validated_by",
    "validated_at",
    "created_at",
    "updated_at",
)


@routes.post(ENTRIES)
@api(
    "Log time",
    tags=TIME,
    body=TimeEntryCreate,
    response=TimeEntryOut,
    status=201,
    errors=[403, 404, 409],
    headers=IDEMPOTENCY_DOC,
)
@handler
async def create_time_entry(request: web.Request, ctx: Context) -> web.Response:
    """Consultants log for themselves only (another `profile_id` is a 403); more than
    24 h on one date for one person is a 409 naming the date. With `Idempotency-Key`, a
    retry gets the first answer again and creates nothing."""
    key = idempotency_key(request)
    req = await parse_body(request, TimeEntryCreate)
    status, out = await time_entries.create_time_entry(ctx.svc, ctx.caller, ctx.org_id, req, key)
    return json_response(out, status=status)


@routes.get(ENTRIES)
@api(
    "Time entries, newest date first",
    tags=TIME,
    query=TimeEntryQuery,
    response=Page[TimeEntryOut],
    errors=[403, 404],
)
@handler
async def list_time_entries(request: web.Request, ctx: Context) -> web.Response:
    """Managers read everyone's; the others only their own."""
    query = parse_query(request, TimeEntryQuery)
    page = await time_entries.list_time_entries(ctx.svc, ctx.caller, ctx.org_id, query)
    return json_response(page)


async def _entry_rows(
    request: web.Request, query: TimeEntryFilter
) -> AsyncIterator[list[list[Any]]]:
    caller = await actor(request)
    org_id = path_uuid(request, "org")
    batches = await time_entries.export_time_entries(services(request), caller, org_id, query)

    async def rows() -> AsyncIterator[list[list[Any]]]:
        async for batch in batches:
            yield [[getattr(e, c) for c in CSV_COLUMNS] for e in batch]

    return rows()


@routes.get(ORG + "/time-entries.csv")
@api(
    "Time entries as CSV (`dialect`: rfc4180 or excel-fr), oldest date first",
    tags=TIME,
    query=TimeEntryCsvQuery,
    content_type=CSV,
    errors=[403, 404],
)
@limited(Named.EXPORTS)
async def export_time_entries(request: web.Request) -> web.StreamResponse:
    """The list's filters and access; every matching entry, streamed. Text cells that
    start like a formula are prefixed with `'`."""
    query = parse_query(request, TimeEntryCsvQuery)
    rows = await _entry_rows(request, query)
    org_id = path_uuid(request, "org")
    return await send(request, org_id, "time-entries", CSV_COLUMNS, rows, query.dialect)


@routes.get(ORG + "/time-entries.xlsx")
@api(
    "Time entries as an Excel workbook, oldest date first",
    tags=TIME,
    query=TimeEntryFilter,
    content_type=XLSX,
    errors=[403, 404],
)
@limited(Named.EXPORTS)
async def export_time_entries_xlsx(request: web.Request) -> web.StreamResponse:
    """The same rows as the CSV export, typed (hours as numbers, dates as dates)."""
    rows = await _entry_rows(request, parse_query(request, TimeEntryFilter))
    org_id = path_uuid(request, "org")
    return await send(request, org_id, "time-entries", CSV_COLUMNS, rows, None)


@routes.patch(ENTRY)
@api(
    "Correct a time entry",
    tags=TIME,
    body=TimeEntryPatch,
    response=TimeEntryOut,
    errors=[403, 404, 409],
)
@handler
async def patch_time_entry(request: web.Request, ctx: Context) -> web.Response:
    """Pending: its owner or a manager; rejected: its owner, which resubmits it;
    validated: 409 (locked until an admin reopens it)."""
    entry_id = path_uuid(request, "id")
    patch = await parse_body(request, TimeEntryPatch)
    out = await time_entries.update_time_entry(ctx.svc, ctx.caller, ctx.org_id, entry_id, patch)
    return json_response(out)


@routes.delete(ENTRY)
@api("Delete a time entry", tags=TIME, status=204, errors=[403, 404, 409])
@handler
async def delete_time_entry(request: web.Request, ctx: Context) -> web.Response:
    """As for a correction; a validated entry is locked (409)."""
    entry_id = path_uuid(request, "id")
    await time_entries.delete_time_entry(ctx.svc, ctx.caller, ctx.org_id, entry_id)
    return web.Response(status=204)


@routes.post(ENTRIES + "/validate")
@api(
    "Validate or reject pending time entries",
    tags=TIME,
    body=TimeValidation,
    response=TimeEntryList,
    errors=[403, 404, 409],
)
@handler
async def validate_time_entries(request: web.Request, ctx: Context) -> web.Response:
    """All or nothing: an entry that is not pending makes it a 409 listing those; an id
    that is not an entry of the organization is a 422. Each consultant is notified once."""
    req = await parse_body(request, TimeValidation)
    return json_response(await time_approval.decide(ctx.svc, ctx.caller, ctx.org_id, req))


@routes.post(ENTRY + "/reopen")
@api("Reopen a validated time entry", tags=TIME, response=TimeEntryOut, errors=[403, 404, 409])
@handler
async def reopen_time_entry(request: web.Request, ctx: Context) -> web.Response:
    """ADMIN and OWNER only; the entry goes back to `EN_ATTENTE`."""
    entry_id = path_uuid(request, "id")
    out = await time_approval.reopen(ctx.svc, ctx.caller, ctx.org_id, entry_id)
    return json_response(out)


@routes.get(ORG + "/timesheets")
@api(
    "One person's week: hours per day and per project",
    tags=TIME,
    query=TimesheetQuery,
    response=TimesheetOut,
    errors=[403, 404],
)
@handler
async def get_timesheet(request: web.Request, ctx: Context) -> web.Response:
    """`week` is an ISO week (`2026-W48`, default the current one); `profile_id`
    defaults to the caller, someone else's week is for managers only."""
    query = parse_query(request, TimesheetQuery)
    out = await timesheets.timesheet(ctx.svc, ctx.caller, ctx.org_id, query)
    return json_response(out)
