"""Excel workbooks (.xlsx, XlsxWriter) of the same rows as the CSV exports.

Cells keep their type: numbers are numbers (money with two decimals), dates and instants
are Excel dates shown JJ/MM/AAAA (instants in the organization's time zone, as Excel
has none), text is always written as text, so nothing a user typed becomes a formula.
Rows go to a temporary file as they are read (XlsxWriter's constant-memory mode), the
file is sent once complete: an access refusal or a failure while reading is still a
problem+json answer, never half a workbook.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import xlsxwriter
from aiohttp import web
from xlsxwriter.worksheet import Worksheet

from .csvexport import attachment, plain

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 64 * 1024


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.header = book.add_format({"bold": True})
        self.money = book.add_format({"num_format": "#,##0.00"})
        self.day = book.add_format({"num_format": "dd/mm/yyyy"})
        self.instant = book.add_format({"num_format": "dd/mm/yyyy hh:mm:ss"})


def _write(sheet: Worksheet, row: int, col: int, value: Any, f: _Formats, zone: ZoneInfo) -> None:
    value = plain(value)
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, datetime):
        sheet.write_datetime(row, col, value.astimezone(zone).replace(tzinfo=None), f.instant)
    elif isinstance(value, date):
        sheet.write_datetime(row, col, datetime(value.year, value.month, value.day), f.day)
    elif isinstance(value, Decimal):
        sheet.write_number(row, col, float(value), f.money)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value)
    else:
        sheet.write_string(row, col, str(value))


async def _fill(
    path: Path,
    sheet_name: str,
    header: Sequence[str],
    batches: AsyncIterator[Iterable[Sequence[Any]]],
    zone: ZoneInfo,
) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "tmpdir": str(path.parent)})
    try:
        formats = _Formats(book)
        sheet = book.add_worksheet(sheet_name)
        sheet.write_row(0, 0, list(header), formats.header)
        sheet.freeze_panes(1, 0)
        line = 1
        async for rows in batches:
            for row in rows:
                for col, value in enumerate(row):
                    _write(sheet, line, col, value, formats, zone)
                line += 1
    finally:
        await asyncio.to_thread(book.close)


async def send_xlsx(
    request: web.Request,
    filename: str,
    header: Sequence[str],
    batches: AsyncIterator[Iterable[Sequence[Any]]],
    zone: str,
) -> web.StreamResponse:
    """Build the workbook of `header` and every row of every batch, then send it as an
    attachment named `filename`."""
    with tempfile.TemporaryDirectory(prefix="aurentia-xlsx-") as tmp:
        path = Path(tmp) / "export.xlsx"
        await _fill(path, filename.rsplit(".", 1)[0][:31], header, batches, ZoneInfo(zone))
        response = web.StreamResponse(
            headers={**attachment(filename), "Content-Length": str(path.stat().st_size)}
        )
        response.content_type = XLSX
        await response.prepare(request)
        with path.open("rb") as file:
            while chunk := await asyncio.to_thread(file.read, CHUNK):
                await response.write(chunk)
        await response.write_eof()
        return response
