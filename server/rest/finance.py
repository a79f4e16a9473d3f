"""Finance routes: a project's budget and financials, invoices (JSON and CSV), the
portfolio summary and consultants' utilization. Definitions: docs/finance.md."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from protocol.exports import InvoiceCsvQuery
from protocol.finance import (
    BudgetOut,
    BudgetPut,
    InvoiceCreate,
    InvoiceExportQuery,
    InvoiceOut,
    InvoicePatch,
    InvoiceQuery,
    PortfolioSummary,
    ProjectFinancials,
    UtilizationPage,
    UtilizationQuery,
)

from ..services.finance import finance, invoice_document, invoices
from .context import Context, actor, handler, project_handler, services
from .csvexport import CSV
from .exports import send
from .idempotency import IDEMPOTENCY_DOC, idempotency_key
from .json import json_response, parse_body, parse_query, path_uuid
from .limits import Named, limited
from .openapi import api
from .resource import Op, Rest, mount
from .xlsxexport import XLSX

routes = web.RouteTableDef()

ORG = "/api/v1/orgs/{org}"
PROJECT = ORG + "/projects/{project}"
INVOICES = ORG + "/invoices"
TAGS = ["finance"]
PDF = "application/pdf"
CSV_COLUMNS = (
    "id",
    "numero",
    "projet_id",
    "montant",
    "date_facturation",
    "date_echeance",
    "statut_paiement",
    "jours_de_retard",
    "created_at",
)


@routes.get(PROJECT + "/budget")
@api("A project's budget", tags=TAGS, response=BudgetOut, errors=[403, 404])
@project_handler
async def get_budget(request: web.Request, ctx: Context) -> web.Response:
    return json_response(await finance.get_budget(ctx.svc, ctx.caller, ctx.org_id, ctx.project_id))


@routes.put(PROJECT + "/budget")
@api(
    "Create or replace a project's budget",
    tags=TAGS,
    body=BudgetPut,
    response=BudgetOut,
    status=200,
    responses={201: BudgetOut},
    errors=[403, 404],
)
@project_handler
async def put_budget(request: web.Request, ctx: Context) -> web.Response:
    """One budget per project: 201 when this creates it, 200 when it replaces it."""
    req = await parse_body(request, BudgetPut)
    out, created = await finance.put_budget(ctx.svc, ctx.caller, ctx.org_id, ctx.project_id, req)
    return json_response(out, status=201 if created else 200)


@routes.get(PROJECT + "/financials")
@api(
    "A project's financials and earned value",
    tags=TAGS,
    response=ProjectFinancials,
    errors=[403, 404],
)
@project_handler
async def get_financials(request: web.Request, ctx: Context) -> web.Response:
    """Sold, invoiced, paid, outstanding and late amounts; actual and pending cost;
    revenue at sale rates; margins; budget consumed; PV, EV, AC, CPI, SPI, EAC."""
    out = await finance.get_financials(ctx.svc, ctx.caller, ctx.org_id, ctx.project_id)
    return json_response(out)


@routes.get(ORG + "/finance/summary")
@api(
    "Totals across the organization's active projects",
    tags=TAGS,
    response=PortfolioSummary,
    errors=[403],
)
@handler
async def summary(request: web.Request, ctx: Context) -> web.Response:
    return json_response(await finance.portfolio_summary(ctx.svc, ctx.caller, ctx.org_id))


@routes.get(ORG + "/finance/utilization")
@api(
    "Utilization of each consultant over a period",
    tags=TAGS,
    query=UtilizationQuery,
    response=UtilizationPage,
    errors=[403],
)
@handler
async def utilization(request: web.Request, ctx: Context) -> web.Response:
    """Validated hours over available hours (weekdays of the period x hours per day)."""
    query = parse_query(request, UtilizationQuery)
    return json_response(await finance.utilization(ctx.svc, ctx.caller, ctx.org_id, query))


async def _invoice_rows(
    request: web.Request, query: InvoiceExportQuery
) -> AsyncIterator[list[list[Any]]]:
    caller = await actor(request)
    org_id = path_uuid(request, "org")
    batches = await invoices.export_invoices(services(request), caller, org_id, query)

    async def rows() -> AsyncIterator[list[list[Any]]]:
        async for batch in batches:
            yield [[getattr(row, column) for column in CSV_COLUMNS] for row in batch]

    return rows()


@routes.get(ORG + "/invoices.csv")
@api(
    "Invoices as CSV (`dialect`: rfc4180 or excel-fr), newest first",
    tags=TAGS,
    query=InvoiceCsvQuery,
    content_type=CSV,
    errors=[403],
)
@limited(Named.EXPORTS)
async def export_invoices(request: web.Request) -> web.StreamResponse:
    """The list's filters and access; every matching invoice, streamed. Text cells that
    start like a formula are prefixed with `'`."""
    query = parse_query(request, InvoiceCsvQuery)
    rows = await _invoice_rows(request, query)
    return await send(
        request, path_uuid(request, "org"), "invoices", CSV_COLUMNS, rows, query.dialect
    )


@routes.get(ORG + "/invoices.xlsx")
@api(
    "Invoices as an Excel workbook, newest first",
    tags=TAGS,
    query=InvoiceExportQuery,
    content_type=XLSX,
    errors=[403],
)
@limited(Named.EXPORTS)
async def export_invoices_xlsx(request: web.Request) -> web.StreamResponse:
    """The same rows as the CSV export, typed (amounts as numbers, dates as dates)."""
    rows = await _invoice_rows(request, parse_query(request, InvoiceExportQuery))
    return await send(request, path_uuid(request, "org"), "invoices", CSV_COLUMNS, rows, None)


@routes.post(INVOICES)
@api(
    "Create an invoice",
    tags=TAGS,
    body=InvoiceCreate,
    response=InvoiceOut,
    status=201,
    errors=[403, 409],
    headers=IDEMPOTENCY_DOC,
)
@handler
async def create_invoice(request: web.Request, ctx: Context) -> web.Response:
    """`date_echeance` defaults to `date_facturation` + 30 days."""
    key = idempotency_key(request)
    req = await parse_body(request, InvoiceCreate)
    status, body = await invoices.create_invoice(ctx.svc, ctx.caller, ctx.org_id, req, key)
    return json_response(body, status=status)


@routes.get(INVOICES + "/{id}.pdf")
@api(
    "An invoice as a Factur-X PDF/A-3 (EN 16931)",
    tags=TAGS,
    content_type=PDF,
    errors=[403, 404, 422],
)
@handler
async def get_invoice_pdf(request: web.Request, ctx: Context) -> web.Response:
    """Read by whoever reads the invoice; the CII XML is embedded. A 422 names every
    legal detail of the organization or the client the invoice still lacks."""
    invoice_id = path_uuid(request, "id")
    name, pdf = await invoice_document.invoice_pdf(ctx.svc, ctx.caller, ctx.org_id, invoice_id)
    return web.Response(
        body=pdf,
        content_type=PDF,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# After `/{id}.pdf`, which `/{id}` would match too.
INVOICE_ROUTES = Rest(
    INVOICES,
    "invoice",
    InvoiceOut,
    tags=TAGS,
    query=InvoiceQuery,
    patch_body=InvoicePatch,
    page=Op(
        "Invoices, newest first",
        [403],
        doc="A CLIENT member sees only the invoices of their own projects.",
        call=invoices.list_invoices,
    ),
    read=Op("An invoice", [403], call=invoices.get_invoice),
    update=Op("Update an invoice", [403, 409], call=invoices.update_invoice),
    delete=Op("Delete an invoice", [403], call=invoices.delete_invoice),
)
mount(routes, INVOICE_ROUTES)
