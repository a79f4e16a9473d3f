"""Make and drop a scratch PostgreSQL database for the client suites (Node and Python).

    python clients/testserver.py create BASE_URL   -> prints the new database's URL
    python clients/testserver.py drop URL

The client suites start `aurentia serve` on a database of their own: SQLite in a
temporary folder by default, or, when DATABASE_URL names PostgreSQL, a fresh database
beside it, dropped at the end.
"""

from __future__ import annotations

import asyncio
import sys
import uuid

import asyncpg
from sqlalchemy.engine import make_url


def _dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def create(base_url: str) -> str:
    name = f"aurentia_client_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(_dsn(base_url, "postgres"))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


async def drop(url: str) -> None:
    name = make_url(url).database
    if not name or not name.startswith("aurentia_client_"):
        raise SystemExit(f"refusing to drop {name!r}: not a client suite database")
    conn = await asyncpg.connect(_dsn(url, "postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def main() -> None:
    command, url = sys.argv[1], sys.argv[2]
    if command == "create":
        print(asyncio.run(create(url)))
    elif command == "drop":
        asyncio.run(drop(url))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main()
