"""The aiohttp application factory: shared resources, routes and the Socket.IO server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web
from redis.asyncio import Redis

from store.db import create_engine, create_session_factory

from .auth.passwords import Passwords
from .auth.tokens import TokenService
from .bus import Bus
from .drain import Drain
from .keys import ENGINE, PRESENCE, REDIS, SERVICES, SESSIONS, SETTINGS, SIGNING_SECRET, SIO
from .mail.outbox import OutboxWorker
from .mail.transport import transport_for
from .ratelimit import RateLimiter
from .realtime import chat, connection, live_rights, presence_events, project_events
from .realtime import feed as feed_events
from .realtime.cluster import redis_options
from .realtime.dispatch import Dispatcher, Live
from .realtime.presence import Presence
from .realtime.presence_store import (
    MemoryPresenceStore,
    PresenceStore,
    RedisPresenceStore,
    key_lifetime,
)
from .realtime.rooms import ClusterRedisManager
from .realtime.sio import create_sio
from .rest import (
    access,
    accounts,
    auth,
    cors,
    eventdocs,
    health,
    joining,
    openapi,
    orgs,
    prometheus,
    unsubscribe,
)
from .rest import analytics as analytics_routes
from .rest import channel_admin as channel_admin_routes
from .rest import chat as chat_routes
from .rest import delivery as delivery_routes
from .rest import exports as export_routes
from .rest import feed as feed_routes
from .rest import finance as finance_routes
from .rest import milestones as milestone_routes
from .rest import people as people_routes
from .rest import projects as project_routes
from .rest import search as search_routes
from .rest import tasks as task_routes
from .rest import threads as thread_routes
from .rest import time as time_routes
from .rest import uploads as upload_routes
from .rest.access import access_middleware, http_only
from .rest.cors import cors_middleware
from .rest.errors import error_middleware
from .rest.limits import rate_limit_middleware
from .services.analytics import analytics_job
from .services.chat import digest as digest_job
from .services.core import Services
from .services.job_lock import round_lock
from .settings import Settings
from .webapp import setup as webapp_setup

# How long a background task may take to stop once cancelled.
LISTENER_STOP_SECONDS = 1.0


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    # On PostgreSQL every connection runs as the unprivileged role that Row Level
    # Security holds to one organization per transaction (docs/tenancy-rls.md).
    engine = create_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        echo=settings.db_echo,
        role=settings.server_role,
        pooled=settings.pooled,
    )
    app[ENGINE] = engine
    app[SESSIONS] = create_session_factory(engine)
    yield
    await engine.dispose()


async def redis_ctx(app: web.Application) -> AsyncIterator[None]:
    url = app[SETTINGS].redis_url
    assert url is not None
    client: Redis = Redis.from_url(url, **redis_options())
    app[REDIS] = client
    yield
    await client.aclose()


async def services_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    app[SERVICES] = Services(
        settings=settings,
        sessions=app[SESSIONS],
        bus=Bus(app[SIO]),
        passwords=Passwords(settings),
        tokens=TokenService(settings, app[SIGNING_SECRET]),
        limiter=RateLimiter(app.get(REDIS), settings.redis_namespace, secret=app[SIGNING_SECRET]),
    )
    yield


async def mail_ctx(app: web.Application) -> AsyncIterator[None]:
    """The mail outbox worker (server/mail/outbox.py): queued mails leave after commit."""
    settings = app[SETTINGS]
    worker = OutboxWorker(settings, app[SESSIONS], transport_for(settings))
    app[SERVICES].mail_wake = worker.wake
    task = asyncio.create_task(worker.run_forever())
    yield
    worker.stop()
    with contextlib.suppress(asyncio.CancelledError, TimeoutError):
        await asyncio.wait_for(task, settings.shutdown_timeout_seconds)


async def digest_ctx(app: web.Application) -> AsyncIterator[None]:
    """The notification digest check (server/services/chat/digest.py), in every process."""
    stop = asyncio.Event()
    task = asyncio.create_task(digest_job.run_forever(app[SERVICES], stop))
    yield
    stop.set()
    with contextlib.suppress(asyncio.CancelledError, TimeoutError):
        await asyncio.wait_for(task, app[SETTINGS].shutdown_timeout_seconds)


async def presence_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    lifetime = key_lifetime(settings.presence_ttl_seconds, settings.presence_sweep_seconds)
    store: PresenceStore = (
        RedisPresenceStore(app[REDIS], f"{settings.redis_namespace}:presence", lifetime)
        if REDIS in app
        else MemoryPresenceStore()
    )
    presence = Presence(settings, store, app[SESSIONS], app[SIO], app[SERVICES].memberships)
    app[PRESENCE] = presence
    app[SERVICES].connected_probe = presence.has_connection
    presence.start()
    yield
    await presence.close()


async def analytics_job_ctx(app: web.Application) -> AsyncIterator[None]:
    """The periodic analytics job (server/services/analytics/analytics_job.py) in the background."""
    settings = app[SETTINGS]
    interval = settings.analytics_job_interval_seconds
    lock = round_lock(
        analytics_job.JOB_NAME,
        interval,
        engine=app[ENGINE],
        redis=app.get(REDIS),
        namespace=settings.redis_namespace,
    )
    task = asyncio.create_task(analytics_job.run_forever(app[SERVICES], lock, interval))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def redis_listener_ctx(app: web.Application) -> AsyncIterator[None]:
    """With Redis, hear the other processes' commands from start-up: python-socketio
    starts its listener only at the first socket connection, and a process that has
    none must still drop the sessions another process ended (server/auth/signed_in.py)."""
    sio = app[SIO]
    manager = sio.manager
    if isinstance(manager, ClusterRedisManager) and not sio.manager_initialized:
        sio.manager_initialized = True
        manager.initialize()
    yield
    listener = getattr(manager, "thread", None)
    if isinstance(listener, asyncio.Task):
        listener.cancel()
        # A cancelled subscription may wait on its own connection's close for ever
        # (seen: an app that served no socket hung its test server's shutdown): give it
        # a moment, never the whole shutdown.
        await asyncio.wait({listener}, timeout=LISTENER_STOP_SECONDS)


def create_app(settings: Settings | None = None) -> web.Application:
    settings = settings or Settings()
    # Outermost first: request id, log line and metrics see every answer; CORS answers
    # preflights; errors become problem+json; rate limits raise inside that.
    app = web.Application(
        middlewares=[
            http_only(m)
            for m in (access_middleware, cors_middleware, error_middleware, rate_limit_middleware)
        ],
        client_max_size=settings.max_request_bytes,
    )
    app[SETTINGS] = settings
    drain = Drain()
    access.setup(app, drain)
    cors.setup(app)
    app[SIGNING_SECRET] = settings.signing_secret()
    app.cleanup_ctx.append(database_ctx)
    if settings.redis_url:
        app.cleanup_ctx.append(redis_ctx)
    app.cleanup_ctx.extend((services_ctx, mail_ctx, digest_ctx, presence_ctx))
    if settings.analytics_job_enabled:
        app.cleanup_ctx.append(analytics_job_ctx)
    sio = create_sio(settings)
    sio.attach(app, socketio_path="socket.io")
    app[SIO] = sio
    dispatcher = Dispatcher(
        sio,
        settings.socket_events_per_second,
        settings.socket_event_burst,
        drain,
        max_json_depth=settings.max_json_depth,
    )
    services, presence = (lambda: app[SERVICES]), (lambda: app[PRESENCE])
    expiry = connection.setup(sio, services, presence, drain)
    live_rights.setup(sio, services)
    if settings.redis_url:
        app.cleanup_ctx.append(redis_listener_ctx)
    dispatcher.on_activity = lambda sid: app[PRESENCE].activity(sid)
    live = Live(sio, services, presence, expiry)
    for module in (connection, presence_events, chat, feed_events, project_events):
        dispatcher.include(module.handlers, live)
    eventdocs.setup(app, dispatcher)
    app.router.add_routes(health.routes)
    app.router.add_routes(prometheus.routes)
    app.router.add_routes(auth.routes)
    app.router.add_routes(accounts.routes)
    app.router.add_routes(unsubscribe.routes)
    app.router.add_routes(chat_routes.routes)
    app.router.add_routes(channel_admin_routes.routes)
    app.router.add_routes(thread_routes.routes)
    app.router.add_routes(upload_routes.routes)
    app.router.add_routes(feed_routes.routes)
    app.router.add_routes(export_routes.routes)
    app.router.add_routes(orgs.routes)
    app.router.add_routes(joining.routes)
    app.router.add_routes(milestone_routes.routes)
    app.router.add_routes(delivery_routes.routes)
    app.router.add_routes(search_routes.routes)
    app.router.add_routes(project_routes.routes)
    app.router.add_routes(task_routes.routes)
    app.router.add_routes(finance_routes.routes)
    app.router.add_routes(analytics_routes.routes)
    app.router.add_routes(people_routes.routes)
    app.router.add_routes(time_routes.routes)
    openapi.setup(app)  # last: it documents the routes registered above
    webapp_setup(app)  # the browser app at /app (outside /api: not documented)
    return app
