"""Optimistic concurrency over HTTP: `ETag` out, `If-Match` in.

A resource's ETag is its `version` quoted (`"7"`). A PATCH carrying `If-Match` updates
only if the stored version is still that one (the service compares and sets atomically
and answers `precondition_failed`, 412, otherwise); without `If-Match`, last write wins.
"""

from __future__ import annotations

from aiohttp import web

from .json import invalid


def etag_headers(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


def expected_version(request: web.Request) -> int | None:
    """The version named by `If-Match`, None when absent; a malformed header is a 422."""
    raw = request.headers.get("If-Match")
    if raw is None:
        return None
    value = raw.strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise invalid(["header", "If-Match"], "must be an ETag this API issued")
    return int(value)
