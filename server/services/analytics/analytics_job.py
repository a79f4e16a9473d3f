"""The periodic analytics job: health, drifts (and their recommendations) and risk
predictions of every ACTIF project of every organization, once per interval, with the
alerts they give rise to (alerts.py: health turning ROUGE, critical drifts, high risks,
budget thresholds; per organization, invoices turning late and the validators' digest
of waiting time); then the
housekeeping (housekeeping.py: expired idempotency keys and refresh tokens);
purge of uploads never attached to a message (server/services/chat/uploads.py).

Each project is analysed in a transaction of its own, so one failing project is logged
and skipped without undoing the others. Rounds are aligned on the epoch (daily: at 00:00
UTC) and exactly one process runs each (job_lock.py). The job acts for no user: its
writes are the analytics rows themselves, not activity log entries (whose author is a
required member).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from protocol.enums import ProjectStatus
from store import analytics, organizations, projects

from ...policy import enter_organization
from ..chat.uploads import purge_unattached
from ..clock import org_today
from ..core import Services
from ..housekeeping import sweep
from ..job_lock import RoundLock
from . import alerts
from .drifts import detect
from .health import assess, health_row
from .predictions import predict
from .signals import gather

log = logging.getLogger("aurentia.analytics")
JOB_NAME = "analytics"


@dataclass
class RoundReport:
    analysed: int = 0
    failed: int = 0
    drifts: int = 0
    # Uploads never attached to a message within a day, removed at the end of the round.
    purged_uploads: int = 0


async def analyse_project(
    svc: Services, org_id: uuid.UUID, project_id: uuid.UUID, now: datetime
) -> int:
    """One project's health, drifts and predictions in one transaction; the number of new
    drifts. A project deleted or no longer ACTIF since the round began is left alone."""
    async with svc.tx() as tx:
        await enter_organization(tx.session, org_id)
        project = await projects.get_project(
            tx.session, org_id=org_id, project_id=project_id, for_update=True
        )
        if project is None or project.statut != ProjectStatus.ACTIF.value:
            return 0
        day = await org_today(tx.session, org_id, now)
        signals = await gather(tx.session, org_id, project, day, svc.settings.hours_per_day)
        health = assess(signals)
        await analytics.add(tx.session, health_row(org_id, signals, health))
        new_drifts = await detect(tx.session, org_id, signals)
        predicted = await predict(tx.session, org_id, signals, now)
        await alerts.project_analysed(svc, tx, signals, health, predicted)
        return len(new_drifts)


async def alert_organization(svc: Services, org_id: uuid.UUID, now: datetime) -> None:
    """The organization-wide alerts of the round, in one transaction: invoices turned
    late on the firm's today, the validators' daily digest of time waiting."""
    async with svc.tx() as tx:
        await enter_organization(tx.session, org_id)
        await alerts.invoices_checked(svc, tx, org_id, await org_today(tx.session, org_id, now))
        await alerts.time_digest(svc, tx, org_id, now)


async def _active_projects(svc: Services, org_id: uuid.UUID) -> list[uuid.UUID]:
    """One organization's ACTIF projects, read in a transaction scoped to it: the job
    serves every organization, one at a time."""
    async with svc.sessions() as session:
        await enter_organization(session, org_id)
        return await analytics.active_project_ids(session, org_id=org_id)


async def run_round(svc: Services, now: datetime | None = None) -> RoundReport:
    """Analyse every active project now (or at `now`, for tests and replays); each
    organization's day is its own date at that instant (clock.py)."""
    now = now or svc.clock()
    async with svc.sessions() as session:
        org_ids = await organizations.all_organization_ids(session)
    targets = [
        (org_id, project_id)
        for org_id in org_ids
        for project_id in await _active_projects(svc, org_id)
    ]
    report = RoundReport()
    for org_id, project_id in targets:
        try:
            report.drifts += await analyse_project(svc, org_id, project_id, now)
            report.analysed += 1
        except Exception:
            report.failed += 1
            log.exception("analytics failed for project %s of organization %s", project_id, org_id)
    for org_id in org_ids:
        try:
            await alert_organization(svc, org_id, now)
        except Exception:
            report.failed += 1
            log.exception("alerts failed for organization %s", org_id)
    counts = (report.analysed, report.failed, report.drifts)
    log.info("analytics round: %d projects analysed, %d failed, %d new drifts", *counts)
    try:
        report.purged_uploads = await purge_unattached(svc, now)
    except Exception:
        log.exception("purging unattached uploads failed")
    return report


async def run_forever(
    svc: Services, lock: RoundLock, interval: float, clock: Callable[[], float] = time.time
) -> None:
    """Wake at each round boundary; run the round if this process wins it. Errors are
    logged and the next round comes as usual; cancellation ends the loop."""
    while True:
        now = clock()
        round_no = int(now // interval) + 1
        await asyncio.sleep(max(0.0, round_no * interval - now))
        try:
            async with lock.claim(round_no) as won:
                if won:
                    await run_whole_round(svc, round_no)
        except Exception:
            log.exception("analytics round %d failed", round_no)


async def run_whole_round(svc: Services, round_no: int) -> None:
    """The analytics, then the housekeeping: a failure of one is logged and does not
    keep the other from running."""
    try:
        await run_round(svc)
    except Exception:
        log.exception("analytics round %d failed", round_no)
    try:
        await sweep(svc)
    except Exception:
        log.exception("housekeeping of round %d failed", round_no)
