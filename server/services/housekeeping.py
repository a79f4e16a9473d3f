"""Housekeeping of the periodic job: delete the rows no request may need again, so that
the tables grow with use, not with time. One retention rule per table:

- **Idempotency keys**: a key older than `KEY_TTL` (24 h) is already forgotten by
  `idempotency.once` (a retry after it creates anew); its row is deleted. Keys are an
  organization's rows under Row Level Security: one transaction per organization,
  scoped to it.
- **Refresh tokens**: a row is deleted once its expiry, or its revocation, lies more
  than `token_retention` in the past: the longer of the refresh and access token
  lifetimes. Until then an unexpired token that was already spent is still recognised
  when presented again (reuse detection revokes its family), and a revoked family keeps
  the rows that refuse its access tokens until the last of them has expired. Refresh
  tokens belong to accounts, not organizations (no RLS): one statement.

See docs/operations-cluster.md ("Retention").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from store import idempotency, organizations, refresh_tokens

from ..policy import enter_organization
from ..settings import Settings
from .core import Services
from .idempotency import KEY_TTL

log = logging.getLogger("aurentia.housekeeping")


@dataclass
class SweepReport:
    idempotency_keys: int = 0
    refresh_tokens: int = 0


def token_retention(settings: Settings) -> timedelta:
    """How long a refresh token's row outlives its expiry or revocation."""
    return timedelta(
        seconds=max(settings.refresh_token_ttl_seconds, settings.access_token_ttl_seconds)
    )


async def prune_idempotency_keys(svc: Services, now: datetime) -> int:
    """Delete every organization's keys past `KEY_TTL`, one organization per transaction."""
    async with svc.sessions() as session:
        org_ids = await organizations.all_organization_ids(session)
    removed = 0
    for org_id in org_ids:
        async with svc.tx() as tx:
            await enter_organization(tx.session, org_id)
            removed += await idempotency.prune_keys(
                tx.session, org_id=org_id, older_than=now - KEY_TTL
            )
    return removed


async def prune_refresh_tokens(svc: Services, now: datetime) -> int:
    """Delete refresh tokens expired or revoked more than `token_retention` ago."""
    async with svc.tx() as tx:
        return await refresh_tokens.prune_refresh_tokens(
            tx.session, older_than=now - token_retention(svc.settings)
        )


async def sweep(svc: Services, now: datetime | None = None) -> SweepReport:
    """Apply every retention rule now (or at `now`, for tests)."""
    now = now or datetime.now(UTC)
    report = SweepReport(
        idempotency_keys=await prune_idempotency_keys(svc, now),
        refresh_tokens=await prune_refresh_tokens(svc, now),
    )
    log.info(
        "housekeeping: %d idempotency keys and %d refresh tokens deleted",
        report.idempotency_keys,
        report.refresh_tokens,
    )
    return report
