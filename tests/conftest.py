"""Test fixtures: a real database per run (SQLite by default, PostgreSQL when
DATABASE_URL says so), migrated once, emptied after each test; Redis when REDIS_URL is set.

A configured service that does not answer is an error, never a skip: CI must fail when
PostgreSQL or Redis is down rather than pass on SQLite alone.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

import store.models
from server.app import create_app
from server.settings import Settings
from store import migrate
from tests.mailbox import Mailbox
from tests.sio import close_leftover_peers

TEST_JWT_SECRET = "test-secret-" + "x" * 40
# Redis keys and channels of this run only: concurrent runs on one Redis (CI, several
# developers) would otherwise share rate-limit counters and presence entries.
TEST_REDIS_NAMESPACE = f"aurentia-test-{uuid.uuid4().hex[:12]}"


# CI's PgBouncer leg (.ci/run): the servers' connections go through this transaction-mode
# pooler, logged in as the app role, as behind Supabase's pooler; migrations and
# fixtures keep their direct connection (DATABASE_URL).
POOLER_URL = os.environ.get("POOLER_URL") or None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "redis: needs REDIS_URL (state shared by processes)")
    config.addinivalue_line(
        "markers", "postgres: needs DATABASE_URL on PostgreSQL (Row Level Security)"
    )
    config.addinivalue_line("markers", "pooler: needs POOLER_URL (PgBouncer, transaction mode)")
    config.addinivalue_line(
        "markers",
        "shares_database: the module's tests share rows; it empties the database once, at its end",
    )


def _on_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith("postgres")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests of multi-process behaviour run only where Redis is configured, tests of
    PostgreSQL's Row Level Security only on PostgreSQL; they are deselected (not
    skipped) elsewhere, so a CI run that skips anything still fails."""
    missing = {
        marker
        for marker, present in (
            ("redis", bool(os.environ.get("REDIS_URL"))),
            ("postgres", _on_postgres()),
            ("pooler", _on_postgres() and POOLER_URL is not None),
        )
        if not present
    }
    if not missing:
        return
    kept = [item for item in items if not any(item.get_closest_marker(m) for m in missing)]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


def pooled_settings(database_url: str) -> dict[str, str]:
    """Settings that send a server of the test database at `database_url` through
    POOLER_URL (none without one, or for a URL that leads elsewhere, e.g. a fault proxy)."""
    direct = os.environ.get("DATABASE_URL", "")
    if not POOLER_URL or not direct.startswith("postgres"):
        return {}
    target, configured = make_url(database_url), make_url(direct)
    if (target.host, target.port) != (configured.host, configured.port):
        return {}
    pooler = make_url(POOLER_URL).set(drivername="postgresql+asyncpg", database=target.database)
    return {
        "database_url": pooler.render_as_string(hide_password=False),
        "database_direct_url": database_url,
        "database_pooler": "transaction",
        "database_app_role": pooler.username or "",
    }


def _pg_admin_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=False)


async def _create_pg_database(url: str) -> str:
    """Create a fresh database beside the one DATABASE_URL names; return its URL."""
    base = make_url(url)
    name = f"aurentia_test_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(_pg_admin_url(url), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


async def _drop_pg_database(admin_url: str, url: str) -> None:
    name = make_url(url).database
    admin = create_async_engine(_pg_admin_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


@pytest.fixture(scope="session")
def engine_name() -> str:
    url = os.environ.get("DATABASE_URL")
    return "postgresql" if url and url.startswith("postgres") else "sqlite"


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    configured = os.environ.get("DATABASE_URL")
    if configured and configured.startswith("postgres"):
        configured = Settings(database_url=configured, jwt_secret=TEST_JWT_SECRET).database_url
        url = await _create_pg_database(configured)
        try:
            await migrate.upgrade(url)
            yield url
        finally:
            await _dispose_emptying(url)
            await _drop_pg_database(configured, url)
    else:
        path: Path = tmp_path_factory.mktemp("db") / "aurentia-test.db"
        url = f"sqlite+aiosqlite:///{path}"
        await migrate.upgrade(url)
        yield url
        await _dispose_emptying(url)


@pytest.fixture
async def scratch_url(
    engine_name: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """An empty database of the engine under test, for this test alone."""
    if engine_name == "postgresql":
        admin = Settings(
            database_url=os.environ["DATABASE_URL"], jwt_secret=TEST_JWT_SECRET
        ).database_url
        url = await _create_pg_database(admin)
        yield url
        await _drop_pg_database(admin, url)
    else:
        yield f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('scratch') / 'scratch.db'}"


@pytest.fixture(scope="session")
async def redis_url() -> AsyncIterator[str | None]:
    url = os.environ.get("REDIS_URL") or None
    if url:
        client: Redis = Redis.from_url(url, socket_connect_timeout=5)
        try:
            await client.ping()
        finally:
            await client.aclose()
    yield url


@pytest.fixture
def settings(database_url: str, redis_url: str | None, tmp_path: Path) -> Settings:
    return Settings(
        **{"database_url": database_url, **pooled_settings(database_url)},  # type: ignore[arg-type]
        # Uploaded files of this test, whatever the engine.
        storage_url=str(tmp_path / "uploads"),
        redis_url=redis_url,
        redis_namespace=TEST_REDIS_NAMESPACE,
        jwt_secret=TEST_JWT_SECRET,
        auto_migrate=False,
        # Cheap hashing keeps the suite fast; production keeps argon2-cffi's defaults.
        argon2_time_cost=1,
        argon2_memory_kib=8,
        argon2_parallelism=1,
        login_attempts_per_minute_per_address=10_000,
        registrations_per_hour_per_address=10_000,
        # Every test calls from 127.0.0.1, and with Redis the counts outlive the test:
        # the request rate tests set their own low limits.
        http_requests_per_minute_per_address=1_000_000,
        http_requests_per_minute_per_user=100_000,
        exports_per_minute_per_user=10_000,
        password_resets_per_hour_per_address=10_000,
        # Without SMTP_URL mails become .eml files: each test gets its own directory.
        mail_outbox_dir=tmp_path / "mail-outbox",
        # Every presence change told at once: tests follow changes one by one, and use
        # them as ordered signals; coalescing has its own (test_presence_batch.py).
        presence_coalesce_seconds=0,
    )


@pytest.fixture(autouse=True)
async def _empty_database(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Every test starts from an empty (migrated) database; a module marked
    `shares_database` empties it once, when the module ends (`empty_database`)."""
    yield
    if "database_url" not in request.fixturenames:
        return
    if request.node.get_closest_marker("shares_database") is not None:
        return
    await empty_database(request.getfixturevalue("database_url"))


# One engine per test database for emptying it, kept for the run: a new one per test
# cost a connection (and on PostgreSQL its start-up and statement preparations) each time.
_EMPTYING: dict[str, AsyncEngine] = {}


async def empty_database(url: str) -> None:
    engine = _EMPTYING.get(url)
    if engine is None:
        engine = _EMPTYING[url] = create_async_engine(url, pool_size=1, max_overflow=0)
    tables = reversed(store.models.Base.metadata.sorted_tables)
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # Every DELETE in one round trip (asyncpg's simple query protocol).
            script = ";".join(str(t.delete().compile(dialect=engine.dialect)) for t in tables)
            raw = await conn.get_raw_connection()
            await raw.driver_connection.execute(script)  # type: ignore[union-attr]
        else:
            for table in tables:
                await conn.execute(table.delete())


async def _dispose_emptying(url: str) -> None:
    engine = _EMPTYING.pop(url, None)
    if engine is not None:
        await engine.dispose()


AppFactory = Callable[..., web.Application]


@pytest.fixture
def make_app(settings: Settings) -> AppFactory:
    def factory(**overrides: object) -> web.Application:
        return create_app(settings.model_copy(update=overrides))

    return factory


@pytest.fixture
async def client(
    make_app: AppFactory,
    aiohttp_client: Callable[
        [web.Application], Awaitable[TestClient[web.Request, web.Application]]
    ],
) -> TestClient[web.Request, web.Application]:
    return await aiohttp_client(make_app())


@pytest.fixture
async def server(
    make_app: AppFactory,
    aiohttp_server: Callable[[web.Application], Awaitable[TestServer]],
) -> AsyncIterator[TestServer]:
    """A real listening server, for Socket.IO clients (those a test left connected are
    closed before it stops)."""
    yield await aiohttp_server(make_app())
    await close_leftover_peers()


@pytest.fixture
async def http(
    server: TestServer,
    aiohttp_client: Callable[[TestServer], Awaitable[TestClient[web.Request, web.Application]]],
) -> TestClient[web.Request, web.Application]:
    """An HTTP client of the same listening `server` the Socket.IO clients use."""
    return await aiohttp_client(server)


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    """A real SMTP server in this process; `mail_client`'s server sends to it."""
    box = Mailbox()
    box.start()
    try:
        yield box
    finally:
        box.stop()


@pytest.fixture
async def mail_client(
    make_app: AppFactory,
    mailbox: Mailbox,
    aiohttp_client: Callable[
        [web.Application], Awaitable[TestClient[web.Request, web.Application]]
    ],
) -> TestClient[web.Request, web.Application]:
    """A client of a server whose mail leaves through SMTP (`mailbox`)."""
    return await aiohttp_client(make_app(smtp_url=SecretStr(mailbox.url)))
