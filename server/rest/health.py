"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import asyncio
from typing import Literal

from aiohttp import web
from pydantic import BaseModel
from sqlalchemy import text

from ..keys import ENGINE, REDIS
from .json import json_response
from .openapi import api

PROBE_TIMEOUT_SECONDS = 2.0


class HealthOut(BaseModel):
    status: Literal["ok"]


class ReadyOut(BaseModel):
    status: Literal["ready", "unavailable"]
    checks: dict[str, Literal["ok", "unavailable"]]


@api("The process is up", tags=["ops"], auth=False, response=HealthOut)
async def healthz(_request: web.Request) -> web.Response:
    """The process is up and its event loop answers."""
    return json_response({"status": "ok"})


@api(
    "The database and Redis answer",
    tags=["ops"],
    auth=False,
    response=ReadyOut,
    responses={503: ReadyOut},
)
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
