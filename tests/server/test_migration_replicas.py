"""Several replicas starting at once on one PostgreSQL database: each migration is
applied once (the migration lock), and a migration job needs no JWT secret."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from store import migrate
from tests.conftest import TEST_JWT_SECRET
from tests.server.test_cli import _env, _free_port, _run, _wait_healthy

pytestmark = pytest.mark.postgres


async def test_three_migration_jobs_at_once_apply_each_migration_once(
    scratch_url: str, tmp_path: Path
) -> None:
    env = _env(DATABASE_URL=scratch_url)  # no JWT_SECRET: migrating needs none
    results = await asyncio.gather(
        *(_run("db", "upgrade", env=env, cwd=tmp_path) for _ in range(3))
    )
    assert [code for code, _, _ in results] == [0, 0, 0], [err for _, _, err in results]
    applied = [
        line.removeprefix("applied ")
        for _, out, _ in results
        for line in out.splitlines()
        if line.startswith("applied ")
    ]
    assert sorted(applied) == sorted(str(s) for s in migrate.steps_between(None, migrate.head()))
    assert all(out.splitlines()[-1] == f"database at {migrate.head()}" for _, out, _ in results)


async def test_three_servers_started_at_once_on_a_fresh_database_all_serve(
    scratch_url: str, tmp_path: Path
) -> None:
    """`serve` migrates first (auto-migrate): without the lock, concurrent Alembic runs
    would create the same tables twice and all but one would die."""
    ports = [_free_port() for _ in range(3)]
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "server.cli",
            "serve",
            "--port",
            str(port),
            env=_env(DATABASE_URL=scratch_url, JWT_SECRET=TEST_JWT_SECRET),
            cwd=tmp_path,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        for port in ports
    ]
    try:
        statuses = await asyncio.gather(*(_wait_healthy(port) for port in ports))
        assert statuses == [200, 200, 200]
        assert await migrate.current(scratch_url) == migrate.head()
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.terminate()
        errors = [(await proc.communicate())[1].decode() for proc in procs]
    applied = [line for err in errors for line in err.splitlines() if '"migration applied"' in line]
    assert len(applied) == len(migrate.steps_between(None, migrate.head())), errors
