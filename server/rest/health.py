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

routes = web.RouteTableDef()
PROBE_TIMEOUT_SECONDS = 2.0


class HealthOut(BaseModel):
    status: Literal["ok"]


class ReadyOut(BaseModel):
    """`ready`: everything answers. `degraded` (still 200): the database answers but Redis
    does not; the node stores and acks, serves its own sockets and REST, and only
    cross-process delivery and shared presence suffer, so a load balancer keeps it.
    `unavailable` (503): the database does not answer; nothing can be stored."""

    status: Literal["ready", "degraded", "unavailable"]
    checks: dict[str, Literal["ok", "unavailable"]]


@routes.get("/healthz")
@api("The process is up", tags=["ops"], auth=False, response=HealthOut)
async def healthz(_request: web.Request) -> web.Response:
    """The process is up and its event loop answers."""
    return json_response({"status": "ok"})


@routes.get("/readyz")
@api(
    "The database and Redis answer (200 ready or degraded, 503 unavailable)",
    tags=["ops"],
    auth=False,
    response=ReadyOut,
    responses={503: ReadyOut},
)
async def readyz(request: web.Request) -> web.Response:
    """Ready when the database and, if configured, Redis answer within a short timeout;
    degraded (200) when only Redis fails, unavailable (503) when the database does."""
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
    if checks["database"] != "ok":
        status = "unavailable"
    elif all(v == "ok" for v in checks.values()):
        status = "ready"
    else:
        status = "degraded"
    return json_response(
        {"status": status, "checks": checks}, status=503 if status == "unavailable" else 200
    )
