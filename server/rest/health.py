"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import asyncio

from aiohttp import web
from sqlalchemy import text

from ..keys import ENGINE, REDIS
from .json import json_response

PROBE_TIMEOUT_SECONDS = 2.0


async def healthz(_request: web.Request) -> web.Response:
    """The process is up and its event loop answers."""
    return json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready when the database and, if configured, Redis answer within a short timeout."""
    checks: dict[str, str] = {}
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_SECONDS), request.app[ENGINE].connect() as conn:
            await conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "unavailable"
    if REDIS in request.app:
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
                await request.app[REDIS].ping()
            checks["redis"] = "ok"
        except Exception:
            checks["redis"] = "unavailable"
    ready = all(v == "ok" for v in checks.values())
    return json_response(
        {"status": "ready" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )


def setup(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
