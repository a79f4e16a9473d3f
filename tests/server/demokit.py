"""Helpers for the `aurentia demo` tests: read the printed logins, sign in as them,
run the command as an operator would, and count every table's rows."""

from __future__ import annotations

import asyncio
import os
import re
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

import store.models
from store.db import create_engine

from ..conftest import TEST_JWT_SECRET
from ..factories import Client, User, expect

LOGIN_LINE = re.compile(r"^  (OWNER|ADMIN|MANAGER|CONSULTANT|MEMBER|CLIENT) +(\S+@\S+)  ", re.M)
PASSWORD_LINE = re.compile(r"^Password of every login: (.+)$", re.M)
# Cheap hashing in the command's own process too (the `settings` fixture's values).
FAST_HASHING = {"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "8", "ARGON2_PARALLELISM": "1"}


@dataclass(frozen=True)
class Login:
    role: str
    email: str


def printed_logins(output: str) -> tuple[list[Login], str | None]:
    """The logins of the table and the shared password (None when not shown)."""
    found = PASSWORD_LINE.search(output)
    logins = [Login(role, email) for role, email in LOGIN_LINE.findall(output)]
    return logins, found.group(1) if found else None


async def sign_in(client: Client, email: str, password: str) -> User:
    tokens = await expect(
        await client.post("/api/v1/auth/login", json={"email": email, "password": password}),
        200,
    )
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    me = await expect(await client.get("/api/v1/me", headers=headers), 200)
    return User(uuid.UUID(me["id"]), email, tokens["access_token"], tokens["refresh_token"])


async def get(client: Client, user: User, url: str, status: int = 200, **params: Any) -> Any:
    return await expect(await client.get(url, headers=user.headers, params=params), status)


# The mail queue empties as the running server's sender delivers what was queued (a
# registration's confirmation, a demo's invitations), whenever that happens: not data.
_DELIVERY_QUEUES = frozenset({"mail_outbox"})


async def row_counts(database_url: str) -> dict[str, int]:
    """Every data table's number of rows (read through SQLAlchemy, nothing written)."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            return {
                table.name: int(await conn.scalar(select(func.count()).select_from(table)) or 0)
                for table in store.models.Base.metadata.sorted_tables
                if table.name not in _DELIVERY_QUEUES
            }
    finally:
        await engine.dispose()


async def run_cli(*args: str, database_url: str, cwd: Path) -> tuple[int, str, str]:
    """`python -m server.cli ARGS` with the database URL and nothing else configured
    (but the JWT secret PostgreSQL requires, and cheap hashing)."""
    keep = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env = {**keep, **FAST_HASHING, "DATABASE_URL": database_url, "JWT_SECRET": TEST_JWT_SECRET}
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
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()
