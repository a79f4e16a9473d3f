"""`aurentia` as an operator runs it: real processes, real files, one-line failures."""

from __future__ import annotations

import asyncio
import gc
import os
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from server.cli import GC_YOUNG_THRESHOLD, settle_heap
from store import migrate

ENV_KEYS = (
    "DATABASE_URL",
    "DATABASE_DIRECT_URL",
    "DATABASE_POOLER",
    "POOLER_URL",
    "REDIS_URL",
    "JWT_SECRET",
    "HOST",
    "PORT",
)


def _env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS}
    env.update(values)
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _run(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "server.cli",
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


@pytest.fixture
async def serving(tmp_path: Path) -> AsyncIterator[tuple[int, Path]]:
    """`aurentia serve` with no settings at all, in an empty folder."""
    port = _free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "server.cli",
        "serve",
        "--port",
        str(port),
        env=_env(),
        cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield port, tmp_path
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 20)
        assert proc.returncode == 0, "SIGTERM must end the server cleanly"


async def _wait_healthy(port: int, seconds: float = 60) -> int:
    """The server's /healthz status once it answers. A hang guard, not a measurement: a
    fixed number of tries (about 10 s) ran out on a loaded CI machine while three servers
    imported and migrated at once."""
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                    return resp.status
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.05)
    raise AssertionError(f"server never answered in {seconds} s")


async def test_serve_with_no_settings_creates_sqlite_and_answers_healthz(
    serving: tuple[int, Path],
) -> None:
    port, folder = serving
    assert await _wait_healthy(port) == 200
    assert (folder / "aurentia.db").exists()
    secret = folder / "aurentia.db.secret"
    assert secret.exists() and (secret.stat().st_mode & 0o077) == 0


async def test_db_commands_say_in_words_what_they_applied_and_undid(tmp_path: Path) -> None:
    env = _env(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    everything = [str(step) for step in migrate.steps_between(None, migrate.head())]
    code, out, _ = await _run("db", "current", env=env, cwd=tmp_path)
    assert (code, out.strip()) == (0, "database empty (no migration applied)")
    code, out, _ = await _run("db", "upgrade", env=env, cwd=tmp_path)
    assert code == 0
    assert out.splitlines() == [
        *(f"applied {s}" for s in everything),
        f"database at {migrate.head()}",
    ]
    assert "0001 initial schema" in everything[0]
    code, out, _ = await _run("db", "upgrade", env=env, cwd=tmp_path)
    assert (code, out.splitlines()) == (0, [f"database at {migrate.head()}"])
    code, out, _ = await _run("db", "downgrade", env=env, cwd=tmp_path)
    assert code == 0
    assert out.splitlines() == [
        *(f"undone {s}" for s in reversed(everything)),
        "database empty (no migration applied)",
    ]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DATABASE_URL": "mysql://root@localhost/x"}, "invalid setting DATABASE_URL"),
        ({"DATABASE_URL": "not a url"}, "invalid setting DATABASE_URL"),
        ({"PORT": "eighty"}, "invalid setting PORT"),
        ({"REDIS_URL": "http://localhost"}, "invalid setting REDIS_URL"),
        (
            {"DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1:1/x"},
            "JWT_SECRET is required",
        ),
        (
            {
                "DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1:1/x",
                "JWT_SECRET": "s" * 40,
            },
            "cannot reach the database",
        ),
        (
            {
                "DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1:1/x",
                "DATABASE_POOLER": "transaction",
                "JWT_SECRET": "s" * 40,
            },
            "behind a transaction pooler DATABASE_URL must log in as DATABASE_APP_ROLE",
        ),
        (
            {"DATABASE_POOLER": "transaction"},
            "DATABASE_POOLER applies to PostgreSQL only",
        ),
    ],
)
async def test_bad_setting_stops_with_one_clear_line(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    port = [] if "PORT" in env else ["--port", str(_free_port())]
    code, _, err = await _run("serve", *port, env=_env(**env), cwd=tmp_path)
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("aurentia: ") and expected in lines[0], err


async def test_port_in_use_stops_with_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = await _run("serve", "--port", str(port), env=_env(), cwd=tmp_path)
    assert code != 0
    lines = [line for line in err.strip().splitlines() if not line.startswith("{")]
    assert lines[-1] == f"aurentia: cannot listen on 127.0.0.1:{port}: address already in use"
    assert "Traceback" not in err


def test_settled_heap_is_frozen_and_young_objects_are_collected_less_often() -> None:
    """What startup built leaves the collector's sight, and the young generation waits
    for GC_YOUNG_THRESHOLD allocations (CPython's 700 made a board request run a hundred
    collections and promote its live rows into full collections)."""
    before = gc.get_threshold()
    try:
        settle_heap()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, *before[1:])
        assert before[0] < GC_YOUNG_THRESHOLD
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
