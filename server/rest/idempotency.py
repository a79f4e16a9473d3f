"""The `Idempotency-Key` request header (see server/services/idempotency.py)."""

from __future__ import annotations

from aiohttp import web

from store.models.ops import IDEMPOTENCY_KEY_MAX

from .json import invalid

HEADER = "Idempotency-Key"
# For `@api(headers=...)`.
IDEMPOTENCY_DOC = {
    HEADER: (
        f"optional, at most {IDEMPOTENCY_KEY_MAX} printable ASCII characters: a retry with "
        "the same key returns the first answer and creates nothing new; the same key with "
        "another body is a 409"
    )
}


def idempotency_key(request: web.Request) -> str | None:
    """The header's value, or None when absent; a malformed one is a 422."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    value = raw.strip()
    printable = value.isascii() and value.isprintable()
    if not value or len(value) > IDEMPOTENCY_KEY_MAX or not printable:
        raise invalid(
            ["header", HEADER], f"must be 1 to {IDEMPOTENCY_KEY_MAX} printable ASCII characters"
        )
    return value
