"""Exports for accountants: CSV in the `excel-fr` dialect and .xlsx workbooks, read back
byte by byte and cell by cell; the exports of projects, tasks and the activity log."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

import openpyxl
import pytest

from server.rest import exports
from tests.factories import Client, User, add_member, create_org, expect, register
from tests.server.rest.financekit import invoice
from tests.server.rest.projectkit import make_project, make_task, org_url

BOM = b"\xef\xbb\xbf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def download(client: Client, user: User, path: str, status: int = 200) -> bytes:
    resp = await client.get(path, headers=user.headers)
    body = await resp.read()
    assert resp.status == status, body
    return body


def french_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(BOM)
    return list(csv.reader(io.StringIO(body[len(BOM) :].decode("utf-8")), delimiter=";"))


def workbook_rows(body: bytes) -> tuple[Any, list[list[Any]]]:
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    return sheet, [list(r) for r in sheet.iter_rows(values_only=True)]


async def billed_firm(client: Client) -> tuple[User, Any, Any, Any]:
    owner = await register(client)
    org = await create_org(client, owner)
    project = await make_project(client, owner, org, date_debut="2026-01-05")
    bill = await invoice(
        client, owner, org, project, montant="1234.50", numero="F-2026-001",
        date_facturation="2026-11-03", date_echeance="2026-12-31",
    )  # fmt: skip
    return owner, org, project, bill


async def test_invoices_csv_in_the_excel_fr_dialect(client: Client) -> None:
    owner, org, _, bill = await billed_firm(client)
    url = f"{org_url(org)}/invoices.csv?dialect=excel-fr"
    resp = await client.get(url, headers=owner.headers)
    assert resp.content_type == "text/csv"
    header, row = french_rows(await resp.read())
    assert header[:4] == ["id", "numero", "projet_id", "montant"]
    assert row[:2] == [bill["id"], "F-2026-001"]
    assert row[3:6] == ["1234,50", "03/11/2026", "31/12/2026"]
    # Instants in the firm's time zone, JJ/MM/AAAA HH:MM:SS.
    created = datetime.strptime(row[8], "%d/%m/%Y %H:%M:%S")
    assert created.year >= 2026


async def test_the_default_dialect_stays_rfc4180(client: Client) -> None:
    owner, org, _, _ = await billed_firm(client)
    body = await download(client, owner, f"{org_url(org)}/invoices.csv")
    assert not body.startswith(BOM)
    header, row = list(csv.reader(io.StringIO(body.decode())))
    assert header[3] == "montant" and row[3:6] == ["1234.50", "2026-11-03", "2026-12-31"]
    same = await download(client, owner, f"{org_url(org)}/invoices.csv?dialect=rfc4180")
    assert same == body


async def test_an_unknown_dialect_is_refused(client: Client) -> None:
    owner, org, _, _ = await billed_firm(client)
    for path in ["invoices.csv", "time-entries.csv", "projects.csv", "activity.csv"]:
        resp = await client.get(f"{org_url(org)}/{path}?dialect=excel-de", headers=owner.headers)
        problem = await expect(resp, 422)
        assert problem["errors"][0]["loc"] == ["query", "dialect"]


async def test_invoices_as_a_workbook_keep_numbers_and_dates(client: Client) -> None:
    owner, org, _, bill = await billed_firm(client)
    resp = await client.get(f"{org_url(org)}/invoices.xlsx", headers=owner.headers)
    assert resp.content_type == XLSX
    assert 'filename="invoices.xlsx"' in resp.headers["Content-Disposition"]
    sheet, (header, row) = workbook_rows(await resp.read())
    assert header[:4] == ["id", "numero", "projet_id", "montant"]
    assert row[0] == bill["id"] and row[1] == "F-2026-001"
    assert row[3] == 1234.5 and sheet.cell(2, 4).number_format == "#,##0.00"
    assert row[4] == datetime(2026, 11, 3) and sheet.cell(2, 5).number_format == "dd/mm/yyyy"
    assert row[5] == datetime(2026, 12, 31)
    assert row[6] == "EN_ATTENTE"


async def test_text_that_looks_like_a_formula_stays_text_in_a_workbook(client: Client) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    await make_project(client, owner, org, nom="=HYPERLINK(1)", date_debut="2026-01-05")
    _, rows = workbook_rows(await download(client, owner, f"{org_url(org)}/projects.xlsx"))
    assert rows[1][1] == "=HYPERLINK(1)"
    body = await download(client, owner, f"{org_url(org)}/projects.csv?dialect=excel-fr")
    assert french_rows(body)[1][1] == "'=HYPERLINK(1)"


async def test_time_entries_in_both_formats(client: Client) -> None:
    owner, org, project, _ = await billed_firm(client)
    body = {"projet_id": project["id"], "date": "2026-11-02", "heures_travaillees": "7.5"}
    await expect(
        await client.post(f"{org_url(org)}/time-entries", json=body, headers=owner.headers), 201
    )
    header, row = french_rows(
        await download(client, owner, f"{org_url(org)}/time-entries.csv?dialect=excel-fr")
    )
    assert (row[header.index("date")], row[header.index("heures_travaillees")]) == (
        "02/11/2026",
        "7,50",
    )
    _, (xheader, xrow) = workbook_rows(
        await download(client, owner, f"{org_url(org)}/time-entries.xlsx")
    )
    assert xrow[xheader.index("date")] == datetime(2026, 11, 2)
    assert xrow[xheader.index("heures_travaillees")] == 7.5


async def test_the_projects_export_pages_through_what_the_caller_may_see(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "PAGE", 1)  # every page boundary is crossed
    owner = await register(client)
    org = await create_org(client, owner)
    contact = await add_member(client, owner, org["id"], "CLIENT")
    theirs = await make_project(client, owner, org, contact=contact, date_debut="2026-01-05")
    others = [await make_project(client, owner, org, date_debut="2026-02-02") for _ in range(2)]
    rows = french_rows(
        await download(client, owner, f"{org_url(org)}/projects.csv?dialect=excel-fr")
    )
    assert rows[0][:2] == ["id", "nom"]
    assert [r[0] for r in rows[1:]] == [theirs["id"], *(p["id"] for p in others)]
    assert rows[1][rows[0].index("date_debut")] == "05/01/2026"
    _, mine = workbook_rows(await download(client, contact, f"{org_url(org)}/projects.xlsx"))
    assert [r[0] for r in mine[1:]] == [theirs["id"]]
    filtered = await download(
        client, owner, f"{org_url(org)}/projects.csv?client_id={theirs['client_id']}"
    )
    assert len(list(csv.reader(io.StringIO(filtered.decode())))) == 2


async def test_a_projects_tasks_in_board_order(client: Client) -> None:
    owner = await register(client)
    org = await create_org(client, owner)
    project = await make_project(client, owner, org, date_debut="2026-01-05")
    first = await make_task(client, owner, org, project, charge_estimee_jh="1.5", tags=["x", "y"])
    second = await make_task(client, owner, org, project)
    url = f"{org_url(org)}/projects/{project['id']}/tasks"
    header, *rows = french_rows(await download(client, owner, f"{url}.csv?dialect=excel-fr"))
    assert [r[0] for r in rows] == [first["id"], second["id"]]
    assert rows[0][header.index("charge_estimee_jh")] == "1,5"
    assert rows[0][header.index("tags")] == "x, y"
    _, xrows = workbook_rows(await download(client, owner, f"{url}.xlsx"))
    assert xrows[1][xrows[0].index("charge_estimee_jh")] == 1.5
    outsider = await register(client)
    await download(client, outsider, f"{url}.csv", 404)


async def test_the_activity_log_for_those_who_may_read_it(client: Client) -> None:
    owner, org, _, bill = await billed_firm(client)
    header, *rows = french_rows(
        await download(client, owner, f"{org_url(org)}/activity.csv?dialect=excel-fr")
    )
    assert rows[0][header.index("action")] == "INVOICE_CREATED"
    assert rows[0][header.index("resource_id")] == bill["id"]
    assert '"numero"' in rows[0][header.index("metadata")]
    _, xrows = workbook_rows(
        await download(client, owner, f"{org_url(org)}/activity.xlsx?resource_type=invoice")
    )
    assert [r[xrows[0].index("action")] for r in xrows[1:]] == ["INVOICE_CREATED"]
    consultant = await add_member(client, owner, org["id"], "CONSULTANT")
    await download(client, consultant, f"{org_url(org)}/activity.csv", 403)
    await download(client, consultant, f"{org_url(org)}/activity.xlsx", 403)
