"""Files over HTTP: `POST /orgs/{org}/uploads` (multipart, streamed) and the download of
a file or its thumbnail, with headers that keep a browser from running what it gets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import quote, unquote

from aiohttp import BodyPartReader, web

from protocol.errors import AppError, ErrorCode
from protocol.files import Attachment

from ..services.chat import uploads
from .context import actor, services
from .json import invalid, json_response, path_uuid
from .openapi import api

routes = web.RouteTableDef()
# Served inline: pictures Pillow could read. Everything else is a download.
INLINE = frozenset(uploads.IMAGE_TYPES)


def _bad_upload(msg: str) -> AppError:
    return invalid(["body", "file"], msg)


async def _file_part(request: web.Request) -> BodyPartReader:
    if not request.content_type.startswith("multipart/form-data"):
        raise AppError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "send multipart/form-data")
    try:
        reader = await request.multipart()
        part = await reader.next()
    except Exception:  # any malformed multipart framing or header
        raise _bad_upload("a multipart body with one file part named file") from None
    if not isinstance(part, BodyPartReader) or part.name != "file":
        raise _bad_upload("a multipart body with one file part named file")
    return part


async def _chunks(part: BodyPartReader) -> AsyncIterator[bytes]:
    while True:
        try:
            chunk = await part.read_chunk(64 * 1024)
        except Exception:  # the body ended or broke mid-part
            raise _bad_upload("the file part is cut or malformed") from None
        if not chunk:
            return
        yield chunk


@routes.post("/api/v1/orgs/{org}/uploads")
@api(
    "Upload a file to attach to a message (multipart/form-data, part `file`)",
    tags=["chat"],
    response=Attachment,
    status=201,
    errors=[404, 413, 415],
    upload=True,
)
async def create_upload(request: web.Request) -> web.Response:
    """Streamed to storage, never held whole in memory; at most MAX_UPLOAD_BYTES. The
    answer's `id` goes in `message:send`'s `attachment_ids`; unattached after a day, the
    file is deleted."""
    org_id = path_uuid(request, "org")
    caller = await actor(request)
    await uploads.require_uploader(services(request), caller, org_id)
    part = await _file_part(request)
    # Clients that percent-encode a non-ASCII name (RFC 5987 style) are understood.
    name = unquote(part.filename) if part.filename else None
    made = await uploads.upload(services(request), caller, org_id, name, _chunks(part))
    return json_response(made, status=201)


def _disposition(kind: str, name: str) -> str:
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


async def _stream(request: web.Request, thumbnail: bool) -> web.StreamResponse:
    org_id, upload_id = path_uuid(request, "org"), path_uuid(request, "id")
    caller = await actor(request)
    svc = services(request)
    row, key = await uploads.open_file(svc, caller, org_id, upload_id, thumbnail)
    chunks = svc.files.read(key)
    try:
        first = await anext(chunks, b"")
    except FileNotFoundError:
        raise AppError(ErrorCode.NOT_FOUND, "the file is gone") from None
    content_type = "image/png" if thumbnail else row.content_type
    kind = "inline" if thumbnail or row.content_type in INLINE else "attachment"
    response = web.StreamResponse(
        headers={
            "Content-Type": content_type,
            "Content-Disposition": _disposition(kind, row.name),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, max-age=3600",
        }
    )
    if not thumbnail:
        response.content_length = row.size
    await response.prepare(request)
    await response.write(first)
    async for chunk in chunks:
        await response.write(chunk)
    await response.write_eof()
    return response


@routes.get("/api/v1/orgs/{org}/uploads/{id}")
@api(
    "Download a file (to whoever reads its message, or its uploader before)",
    tags=["chat"],
    content_type="application/octet-stream",
    errors=[404],
)
async def download(request: web.Request) -> web.StreamResponse:
    """Served with the sniffed type, `X-Content-Type-Options: nosniff` and a sandboxing
    CSP; pictures inline, anything else as an attachment (HTML and SVG are never
    recognised, so never inline)."""
    return await _stream(request, thumbnail=False)


@routes.get("/api/v1/orgs/{org}/uploads/{id}/thumbnail")
@api(
    "A picture's thumbnail (PNG, at most 320x320)",
    tags=["chat"],
    content_type="image/png",
    errors=[404],
)
async def thumbnail(request: web.Request) -> web.StreamResponse:
    return await _stream(request, thumbnail=True)
