"""`/api/v1/orgs/{org}/time-entries[/{id}]`, their approval, `/timesheets` and the CSV
exports `/time-entries.csv` and `.xlsx`."""

from __future__ import annotations

from aiohttp import web

from protocol import time as p
from protocol.common import Page
from protocol.exports import TimeEntryCsvQuery

from ..services.time import time_approval, time_entries, timesheets
from .exports import Export, batches, serve_export
from .resource import Op, Serve

routes = web.RouteTableDef()

ORG = "/api/v1/orgs/{org}"
ENTRIES = ORG + "/time-entries"
ENTRY = ENTRIES + "/{id}"
TIME = ["time"]
serve = Serve(routes, tags=TIME)
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


serve.post(
    ENTRIES,
    Op(
        "Log time",
        [403, 404, 409],
        doc="""Consultants log for themselves only (another `profile_id` is a 403); more than
        24 h on one date for one person is a 409 naming the date. With `Idempotency-Key`, a
        retry gets the first answer again and creates nothing.""",
        call=time_entries.create_time_entry,
    ),
    body=p.TimeEntryCreate,
    out=p.TimeEntryOut,
    status=201,
    idempotent=True,
)
serve.get(
    ENTRIES,
    Op(
        "Time entries, newest date first",
        [403, 404],
        doc="Managers read everyone's; the others only their own.",
        call=time_entries.list_time_entries,
    ),
    query=p.TimeEntryQuery,
    out=Page[p.TimeEntryOut],
)
serve_export(
    routes,
    Export(
        ENTRIES,
        "time-entries",
        CSV_COLUMNS,
        batches(time_entries.export_time_entries),
        TIME,
        "Time entries",
        TimeEntryCsvQuery,
        p.TimeEntryFilter,
        """The list's filters and access; every matching entry, streamed. Text cells that
        start like a formula are prefixed with `'`.""",
        "The same rows as the CSV export, typed (hours as numbers, dates as dates).",
        order=", oldest date first",
        errors=[403, 404],
    ),
)
serve.patch(
    ENTRY,
    Op(
        "Correct a time entry",
        [403, 404, 409],
        doc="""Pending: its owner or a manager; rejected: its owner, which resubmits it;
        validated: 409 (locked until an admin reopens it).""",
        call=time_entries.update_time_entry,
    ),
    body=p.TimeEntryPatch,
    out=p.TimeEntryOut,
    name="patch_time_entry",
)
serve.delete(
    ENTRY,
    Op(
        "Delete a time entry",
        [403, 404, 409],
        doc="As for a correction; a validated entry is locked (409).",
        call=time_entries.delete_time_entry,
    ),
)
serve.post(
    ENTRIES + "/validate",
    Op(
        "Validate or reject pending time entries",
        [403, 404, 409],
        doc="""All or nothing: an entry that is not pending makes it a 409 listing those; an id
        that is not an entry of the organization is a 422. Each consultant is notified once.""",
        call=time_approval.decide,
    ),
    body=p.TimeValidation,
    out=p.TimeEntryList,
    name="validate_time_entries",
)
serve.post(
    ENTRY + "/reopen",
    Op(
        "Reopen a validated time entry",
        [403, 404, 409],
        doc="ADMIN and OWNER only; the entry goes back to `EN_ATTENTE`.",
        call=time_approval.reopen,
    ),
    out=p.TimeEntryOut,
    name="reopen_time_entry",
)
serve.get(
    ORG + "/timesheets",
    Op(
        "One person's week: hours per day and per project",
        [403, 404],
        doc="""`week` is an ISO week (`2026-W48`, default the current one); `profile_id`
        defaults to the caller, someone else's week is for managers only.""",
        call=timesheets.timesheet,
    ),
    query=p.TimesheetQuery,
    out=p.TimesheetOut,
    name="get_timesheet",
)
