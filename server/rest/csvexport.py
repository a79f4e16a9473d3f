"""CSV downloads (`text/csv`, RFC 4180), streamed as they are read.

Rows are written batch by batch to a `StreamResponse`, so an export of any size needs
neither the whole file in memory nor a transaction held open while the client reads.
Access is checked before the first byte (a refusal is still problem+json); a failure
after that can only cut the download short.

Cells are quoted by the `csv` module (commas, quotes and line breaks survive). A text
cell that a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, a tab
or a carriage return) gets a leading `'` (OWASP's CSV injection advice).
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import date, datetime
from enum import Enum
from typing import Any

from aiohttp import web

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV = "text/csv"


def cell(value: Any) -> str:
    """The text of one cell: empty for None, ISO dates, enum values, guarded text."""
    if value is None:
        return ""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


async def stream_csv(
    request: web.Request,
    filename: str,
    header: Sequence[str],
    batches: AsyncIterator[Iterable[Sequence[Any]]],
) -> web.StreamResponse:
    """Send `header`, then every row of every batch, as an attachment named `filename`."""
    response = web.StreamResponse(
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        }
    )
    response.content_type = CSV
    response.charset = "utf-8"
    await response.prepare(request)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    async for rows in batches:
        writer.writerows([cell(v) for v in row] for row in rows)
        await response.write(buffer.getvalue().encode("utf-8"))
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        await response.write(buffer.getvalue().encode("utf-8"))
    await response.write_eof()
    return response
