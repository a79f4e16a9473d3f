"""`aurentia`: serve, migrate, fill a demo organization.

A bad setting, an unreachable database or a taken port stops start-up with one clear
line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import signal
import sys
from typing import NoReturn, TypeVar

from aiohttp import web
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.engine import make_url

from store import migrate, tenancy
from store.db import create_engine, create_session_factory

from .app import create_app
from .demo import DEFAULT_NAME, DEFAULT_PASSWORD, DemoError, check_options, run_demo
from .logs import configure_logging
from .runner import Runner
from .services.identity.orgs import slugify
from .settings import DatabaseSettings, Settings
from .shutdown import FORCE_CLOSE_SECONDS, graceful_stop

log = logging.getLogger("aurentia")
S = TypeVar("S", bound=DatabaseSettings)


class StartupError(Exception):
    """A failure to start that the operator can fix; its message is the whole story."""


def _fail(message: str, code: int = 1) -> NoReturn:
    print(f"aurentia: {message}", file=sys.stderr)
    sys.exit(code)


def load_settings(**overrides: object) -> Settings:
    return _load(Settings, **overrides)


def _load(kind: type[S], **overrides: object) -> S:
    try:
        return kind(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        message = err["msg"].removeprefix("Value error, ")
        name = ".".join(str(p) for p in err["loc"]).upper()
        _fail(f"invalid setting {name}: {message}" if name else f"invalid settings: {message}", 2)


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


async def _check_database(settings: DatabaseSettings) -> None:
    engine = create_engine(settings.database_url, pooled=settings.pooled)
    try:
        async with asyncio.timeout(10), engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StartupError(
            f"cannot reach the database at {_safe_url(settings.database_url)}: {reason}"
        ) from None
    finally:
        await engine.dispose()


async def _check_app_role(settings: Settings) -> None:
    """On PostgreSQL the server runs as DATABASE_APP_ROLE; refuse to serve when that role
    would not be held back by Row Level Security (docs/tenancy-rls.md)."""
    if settings.is_sqlite:
        return
    role = settings.database_app_role
    engine = create_engine(settings.database_url, role=settings.server_role, pooled=settings.pooled)
    try:
        async with create_session_factory(engine)() as session:
            standing = await tenancy.role_standing(session)
    except Exception as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StartupError(
            f"cannot connect as DATABASE_APP_ROLE {role!r} ({reason}); "
            "`aurentia db upgrade` creates it"
        ) from None
    finally:
        await engine.dispose()
    if standing.privileged:
        raise StartupError(
            f"DATABASE_APP_ROLE {role!r} bypasses Row Level Security (superuser: "
            f"{standing.superuser}, bypassrls: {standing.bypass_rls}, owns "
            f"{standing.owned_tables} tables); name an unprivileged role"
        )


# Allocations between two young collections (CPython's default is 700). A board of 500
# tasks allocates about 100,000 tracked objects: at 700, every request ran a hundred
# young collections, which promoted its still-live rows to the old generations, whose
# growth then triggered full collections of several milliseconds in the middle of
# requests (bench/tails.py: the slowest boards and syncs held one). At 10,000 a request's
# objects mostly die by reference count before a collection sees them.
GC_YOUNG_THRESHOLD = 10_000


def settle_heap() -> None:
    """Move what startup built (modules, mappers, schemas: most of the heap) out of the
    garbage collector's sight, so its full collections, which traverse every tracked
    object, stop re-walking it while requests wait (`gc.freeze`, as Instagram does);
    and collect the young generation less often (GC_YOUNG_THRESHOLD)."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)


async def _serve(settings: Settings, migrate_first: bool) -> None:
    await _check_database(settings)
    if migrate_first:
        await _upgrade(settings)
    await _check_app_role(settings)
    app = create_app(settings)
    runner = Runner(
        app, handle_signals=False, access_log=None, shutdown_timeout=FORCE_CLOSE_SECONDS
    )
    await runner.setup()
    settle_heap()
    site = web.TCPSite(runner, settings.host, settings.port)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        reason = os.strerror(exc.errno).lower() if exc.errno else str(exc)
        raise StartupError(f"cannot listen on {settings.host}:{settings.port}: {reason}") from None
    print(f"aurentia: serving on http://{settings.host}:{settings.port}", file=sys.stderr)
    database = _safe_url(settings.database_url)
    fields = {"host": settings.host, "port": settings.port, "database": database}
    log.info("serving", extra={"fields": fields})
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await graceful_stop(runner, app, settings.shutdown_timeout_seconds)


def _run(coro: object) -> None:
    try:
        asyncio.run(coro)  # type: ignore[arg-type]
    except StartupError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        pass


def cmd_serve(args: argparse.Namespace) -> None:
    settings = load_settings(host=args.host, port=args.port)
    configure_logging(settings.log_level)
    _run(_serve(settings, migrate_first=not args.no_migrate and settings.auto_migrate))


async def _upgrade(settings: DatabaseSettings, revision: str = "head") -> list[migrate.Step]:
    """Migrate over the direct connection (DATABASE_DIRECT_URL, else DATABASE_URL); the
    applied steps are logged for the operator."""
    steps = await migrate.upgrade(
        settings.migration_url, revision, app_role=settings.database_app_role
    )
    for step in steps:
        log.info("migration applied", extra={"fields": {"revision": step.revision}})
    return steps


def cmd_db(args: argparse.Namespace) -> None:
    """Migrations need only the database settings: no JWT secret for a migration job."""
    settings = _load(DatabaseSettings)

    async def run() -> None:
        await _check_database(settings)
        url = settings.migration_url
        if args.action == "upgrade":
            steps = await _upgrade(settings, args.revision or "head")
            for step in steps:
                print(f"applied {step}")
        elif args.action == "downgrade":
            for step in await migrate.downgrade(url, args.revision or "base"):
                print(f"undone {step}")
        rev = await migrate.current(url)
        print(f"database at {rev}" if rev else "database empty (no migration applied)")

    _run(run())


def cmd_demo(args: argparse.Namespace) -> None:
    settings = load_settings()
    configure_logging(settings.log_level)
    # The command speaks to a person on stdout; Alembic's progress lines are noise there.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    slug = args.slug or slugify(args.org_name)
    try:
        check_options(args.org_name, slug, args.password)
    except DemoError as exc:
        _fail(str(exc), 2)

    async def run() -> None:
        await _check_database(settings)
        if not args.no_migrate and settings.auto_migrate:
            await _upgrade(settings)
        elif await migrate.current(settings.migration_url) != migrate.head():
            raise StartupError(
                "the database is not at the latest migration: run aurentia db upgrade first"
            )
        try:
            await run_demo(
                settings, sys.stdout, password=args.password, name=args.org_name, slug=slug
            )
        except DemoError as exc:
            raise StartupError(str(exc)) from None

    _run(run())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aurentia", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the REST and Socket.IO server")
    serve.add_argument("--host", help="address to bind (env HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to bind (env PORT, default 8080)")
    serve.add_argument("--no-migrate", action="store_true", help="do not apply pending migrations")
    serve.set_defaults(func=cmd_serve)
    db = sub.add_parser("db", help="database migrations")
    db.add_argument("action", choices=["upgrade", "downgrade", "current"])
    db.add_argument("revision", nargs="?", help="target revision (default head / base)")
    db.set_defaults(func=cmd_db)
    demo = sub.add_parser(
        "demo", help="fill a new organization with a sample consulting firm; print its logins"
    )
    demo.add_argument(
        "--password", default=DEFAULT_PASSWORD, help=f"every login's password ({DEFAULT_PASSWORD})"
    )
    demo.add_argument("--org-name", default=DEFAULT_NAME, help=f"its name ({DEFAULT_NAME})")
    demo.add_argument("--slug", help="its slug (default: from the name); a second run finds it")
    demo.add_argument("--no-migrate", action="store_true", help="do not apply pending migrations")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
