"""Finance routes: a project's budget and financials, invoices (JSON and CSV), the
portfolio summary and consultants' utilization. Definitions: docs/finance.md."""

from __future__ import annotations

from aiohttp import web

from protocol import finance as p
from protocol.exports import InvoiceCsvQuery

from ..services.finance import finance, invoice_document, invoices
from .context import Context, handler
from .exports import Export, batches, serve_export
from .json import path_uuid
from .openapi import api
from .resource import Op, Rest, Serve, mount

routes = web.RouteTableDef()

ORG = "/api/v1/orgs/{org}"
PROJECT = ORG + "/projects/{project}"
INVOICES = ORG + "/invoices"
TAGS = ["finance"]
serve = Serve(routes, tags=TAGS)
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


serve.get(
    PROJECT + "/budget",
    Op("A project's budget", [403, 404], call=finance.get_budget),
    out=p.BudgetOut,
)


serve.put(
    PROJECT + "/budget",
    Op(
        "Create or replace a project's budget",
        [403, 404],
        doc="One budget per project: 201 when this creates it, 200 when it replaces it.",
        call=finance.put_budget,
    ),
    body=p.BudgetPut,
    out=p.BudgetOut,
    created=True,
)
serve.get(
    PROJECT + "/financials",
    Op(
        "A project's financials and earned value",
        [403, 404],
        doc="""Sold, invoiced, paid, outstanding and late amounts; actual and pending cost;
        revenue at sale rates; margins; budget consumed; PV, EV, AC, CPI, SPI, EAC.""",
        call=finance.get_financials,
    ),
    out=p.ProjectFinancials,
)
serve.get(
    ORG + "/finance/summary",
    Op("Totals across the organization's active projects", [403], call=finance.portfolio_summary),
    out=p.PortfolioSummary,
    name="summary",
)
serve.get(
    ORG + "/finance/utilization",
    Op(
        "Utilization of each consultant over a period",
        [403],
        doc="Validated hours over available hours (weekdays of the period x hours per day).",
        call=finance.utilization,
    ),
    query=p.UtilizationQuery,
    out=p.UtilizationPage,
)
serve_export(
    routes,
    Export(
        INVOICES,
        "invoices",
        CSV_COLUMNS,
        batches(invoices.export_invoices),
        TAGS,
        "Invoices",
        InvoiceCsvQuery,
        p.InvoiceExportQuery,
        """The list's filters and access; every matching invoice, streamed. Text cells that
        start like a formula are prefixed with `'`.""",
        "The same rows as the CSV export, typed (amounts as numbers, dates as dates).",
        order=", newest first",
        errors=[403],
    ),
)


serve.post(
    INVOICES,
    Op(
        "Create an invoice",
        [403, 409],
        doc="`date_echeance` defaults to `date_facturation` + 30 days.",
        call=invoices.create_invoice,
    ),
    body=p.InvoiceCreate,
    out=p.InvoiceOut,
    status=201,
    idempotent=True,
)


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
    p.InvoiceOut,
    tags=TAGS,
    query=p.InvoiceQuery,
    patch_body=p.InvoicePatch,
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
