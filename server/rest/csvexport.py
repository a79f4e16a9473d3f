"""CSV downloads (`text/csv`, RFC 4180), streamed as they are read.

Rows are written batch by batch to a `StreamResponse`, so an export of any size needs
neither the whole file in memory nor a transaction held open while the client reads.
Access is checked before the first byte (a refusal is still problem+json); a failure
after that can only cut the download short.

Cells are quoted by the `csv` module (commas, quotes and line breaks survive). A text
cell that a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, a tab
or a carriage return) gets a leading `'` (OWASP's CSV injection advice).

Two dialects (protocol.exports.CsvDialect): `rfc4180` (UTF-8, `,`, ISO dates and
instants, `.` decimals) and `excel-fr`, what French Excel opens as it is: a UTF-8 BOM,
`;`, decimal comma, dates JJ/MM/AAAA and instants JJ/MM/AAAA HH:MM:SS in the
organization's time zone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from aiohttp import web

from protocol.exports import CsvDialect

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV = "text/csv"


BOM = "\ufeff"


def plain(value: Any) -> Any:
    """A value a spreadsheet cell can hold: enum values, lists joined, dicts as JSON."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return ", ".join(str(plain(v)) for v in value)
    if isinstance(value, dict):
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    return value


def cell(value: Any) -> str:
    """The text of one cell (rfc4180): empty for None, ISO dates, enum values, guarded
    text."""
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def french_cell(value: Any, zone: ZoneInfo) -> str:
    """The text of one cell for French Excel: decimal comma, JJ/MM/AAAA, local times."""
    value = plain(value)
    if isinstance(value, datetime):
        return value.astimezone(zone).strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal | float) and not isinstance(value, bool):
        return str(value).replace(".", ",")
    return cell(value)


def attachment(filename: str) -> dict[str, str]:
    """The headers of a download named `filename`, which no cache keeps."""
    return {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    }


async def stream_csv(
    request: web.Request,
    filename: str,
    header: Sequence[str],
    batches: AsyncIterator[Iterable[Sequence[Any]]],
    dialect: CsvDialect = CsvDialect.RFC4180,
    zone: str = "UTC",
) -> web.StreamResponse:
    """Send `header`, then every row of every batch, as an attachment named `filename`,
    in `dialect` (instants of the excel-fr dialect in `zone`)."""
    french = dialect is CsvDialect.EXCEL_FR
    tz = ZoneInfo(zone)
    response = web.StreamResponse(headers=attachment(filename))
    response.content_type = CSV
    response.charset = "utf-8"
    await response.prepare(request)
    buffer = io.StringIO()
    if french:
        buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=";" if french else ",", lineterminator="\r\n")
    writer.writerow(header)
    async for rows in batches:
        if french:
            writer.writerows([french_cell(v, tz) for v in row] for row in rows)
        else:
            writer.writerows([cell(v) for v in row] for row in rows)
        await response.write(buffer.getvalue().encode("utf-8"))
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        await response.write(buffer.getvalue().encode("utf-8"))
    await response.write_eof()
    return response
