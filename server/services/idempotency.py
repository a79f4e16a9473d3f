"""`Idempotency-Key` for POSTs that create something (time entries, invoices).

Stripe's semantics: a retry with the same key (same user, same organization, same
route) gets the first answer again, status and body, and creates nothing new; the same
key with another request body is a 409. Keys are forgotten after `KEY_TTL`.

How duplicates are kept out: the key's row is inserted first, in the very transaction
that then produces the answer and stores it. The unique key (organization, user, route,
key) admits one row; on PostgreSQL a concurrent duplicate's insert waits on the index
until the first transaction ends, then finds the committed answer (or, if the first
rolled back, claims the key itself); on SQLite write transactions already run one at a
time. Only successful answers are kept: a request that fails (422, 409 ...) rolls back
with its key, so fixing the request and retrying with the same key is allowed, as
nothing was created.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson
from pydantic import BaseModel

from protocol.errors import AppError, ErrorCode
from store import idempotency as store

from .core import Services, Tx

KEY_TTL = timedelta(hours=24)

# Produces the first answer: (HTTP status, JSON-ready body).
Produce = Callable[[], Awaitable[tuple[int, Any]]]


def request_hash(request: BaseModel) -> str:
    """Digest of a parsed request: equal for equal payloads however they were spelled
    (key order, `7.5` or `"7.50"`)."""
    canonical = orjson.dumps(
        request.model_dump(mode="python"), default=_canonical, option=orjson.OPT_SORT_KEYS
    )
    return hashlib.sha256(canonical).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, BaseModel):
        return value.model_dump(mode="python")
    raise TypeError(f"not hashable as JSON: {type(value).__name__}")


async def once(
    svc: Services,
    tx: Tx,
    org_id: UUID,
    user_id: UUID,
    route: str,
    key: str | None,
    request_hash: str,
    produce: Produce,
) -> tuple[int, Any]:
    """`produce()`'s answer, or the answer already given to this key.

    Call it inside `tx` after the access checks, with `route` naming the operation
    (`"POST /orgs/{org}/time-entries"`); without a key, `produce` simply runs. `svc` is
    taken so the policy (TTL) can become a setting without changing callers.
    """
    if key is None:
        return await produce()
    ref = store.KeyRef(org_id=org_id, user_id=user_id, route=route, key=key)
    claimed = await store.claim_key(tx.session, ref, request_hash=request_hash)
    if claimed is None:
        row = await store.get_key(tx.session, ref)
        if row is None or row.created_at < datetime.now(UTC) - KEY_TTL:
            if row is not None:
                await store.delete_key(tx.session, org_id=org_id, key_id=row.id)
            claimed = await store.claim_key(tx.session, ref, request_hash=request_hash)
        else:
            return _replay(row.status, row.request_hash, request_hash, row.response_body)
    if claimed is None:  # lost a second race for an expired key: let the client retry
        raise _in_progress()
    status, body = await produce()
    await store.record_answer(tx.session, org_id=org_id, key_id=claimed, status=status, body=body)
    return status, body


def _replay(status: int, stored_hash: str, request_hash: str, body: Any) -> tuple[int, Any]:
    if stored_hash != request_hash:
        raise AppError(
            ErrorCode.CONFLICT, "this Idempotency-Key was already used with a different request"
        )
    if status == store.IN_PROGRESS:
        raise _in_progress()
    return status, body


def _in_progress() -> AppError:
    return AppError(
        ErrorCode.CONFLICT, "a request with this Idempotency-Key is in progress; retry shortly"
    )
