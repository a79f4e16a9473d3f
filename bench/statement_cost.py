"""The client-side CPU of a send's statement (store.posting's three CTEs), three ways.

    python -m bench.statement_cost [--database-url URL] [--count 2000]

- `core`: as the server runs it, `AsyncConnection.execute` of the Core statement (cache
  key, compiled-cache lookup, parameters built through the compiled form, SQLAlchemy's
  asyncpg adapter in a greenlet);
- `driver`: the same compiled SQL through `exec_driver_sql` (no cache key, no compiled
  parameters; the adapter and greenlet remain);
- `raw`: the same SQL on the asyncpg connection underneath, SQLAlchemy bypassed.

Each figure includes building the message row (`posting._new_row`, about 40 us), and is
this process's CPU time per statement (`time.process_time`), so the database's own work
and the machine's load weigh little. Every statement is rolled back. It bounds what
moving the send below SQLAlchemy could save (bench/RESULTS.md, persisted sends).
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import asyncpg as sa_asyncpg

from protocol.enums import ChannelType
from store.db import create_engine
from store.messages import Conversation
from store.models import ChannelMessage
from store.posting import _new_row, _one_statement, _values


async def run(args: argparse.Namespace) -> None:
    statement = _one_statement(ChannelMessage)
    compiled = statement.compile(dialect=sa_asyncpg.dialect())
    sql, names, constants = compiled.string, compiled.positiontup or [], compiled.params
    engine = create_engine(args.database_url, pool_size=1)
    async with engine.connect() as conn:
        query = "SELECT o.id, u.id FROM organizations o, users u LIMIT 1"
        org_id, user_id = (await conn.execute(text(query))).one()
    conv = Conversation(org_id, ChannelType.GROUP, uuid.uuid4())
    try:
        for mode in ["core", "driver", "raw"] * 2:
            async with engine.connect() as conn:
                transaction = await conn.begin()
                await conn.execute(text("SELECT 1"))  # the transaction has begun
                raw = (await conn.get_raw_connection()).driver_connection
                assert raw is not None
                started = time.process_time()
                for _ in range(args.count):
                    row = _new_row(
                        conv,
                        sender_id=user_id,
                        content="x",
                        client_msg_id=None,
                        parent_id=None,
                        recipient_id=None,
                    )
                    params: dict[str, Any] = {
                        **_values(row),
                        "seq_channel_type": conv.type.value,
                        "seq_channel_id": conv.channel_id,
                    }
                    if mode == "core":
                        (await conn.execute(statement, params)).one()
                        continue
                    values = {**constants, **params}
                    positional = tuple(values[name] for name in names)
                    if mode == "driver":
                        (await conn.exec_driver_sql(sql, positional)).one()
                    else:
                        await raw.fetchrow(sql, *positional)
                spent = (time.process_time() - started) / args.count
                print(f"{mode:>6}: {1e6 * spent:5.0f} us of CPU per statement", flush=True)
                await transaction.rollback()
    finally:
        await engine.dispose()


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--database-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/aurentia_bench"
    )
    p.add_argument("--count", type=int, default=2000)
    return p.parse_args()


if __name__ == "__main__":
    asyncio.run(run(parse()))
