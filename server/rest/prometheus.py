"""`GET /metrics`: this process's Prometheus series (server/metrics.py) in text format.

Figures that are states rather than events (the database pool) are read at scrape time.
Open by default, like the probes: bind the port to a private network or set
`METRICS_TOKEN`, and the scraper must then send `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import hmac

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from ..auth.tokens import unauthorized
from ..keys import ENGINE, SETTINGS
from ..metrics import db_pool_connections
from .openapi import api

routes = web.RouteTableDef()


def sample_pool(engine: AsyncEngine) -> None:
    """Connections checked out, idle in the pool, and the pool's size (overflow aside)."""
    pool = engine.sync_engine.pool
    if not isinstance(pool, QueuePool):
        return  # in-memory SQLite: one static connection, nothing to watch
    db_pool_connections.labels("checked_out").set(pool.checkedout())
    db_pool_connections.labels("idle").set(pool.checkedin())
    db_pool_connections.labels("size").set(pool.size())


def _check_token(request: web.Request) -> None:
    expected = request.app[SETTINGS].metrics_token
    if expected is None:
        return
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), expected.get_secret_value().encode()
    ):
        raise unauthorized("metrics token required")


@routes.get("/metrics")
@api(
    "Prometheus metrics of this process",
    tags=["ops"],
    auth=False,
    content_type=CONTENT_TYPE_LATEST,
    errors=[401],
)
async def metrics_endpoint(request: web.Request) -> web.Response:
    """Text exposition format; with `METRICS_TOKEN` set, a bearer token is required."""
    _check_token(request)
    sample_pool(request.app[ENGINE])
    return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})
