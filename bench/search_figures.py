"""The `search` mode: `GET /api/v1/orgs/{org}/search` over HTTP on a channel of 1M
French messages (bench/search_text.py), p50/p95/p99 per kind of query, and EXPLAIN
ANALYZE of the slowest query's ranking statement."""

from __future__ import annotations

import argparse
import time
import uuid
from typing import Any
from urllib.parse import quote

import aiohttp
from sqlalchemy import event, text

from bench import aurentia_data as data
from bench import search_text
from bench.rest_figures import pct
from protocol.enums import ChannelType
from store import search as store_search
from store.db import create_engine, create_session_factory
from store.messages import Conversation
from store.tenancy import DEFAULT_APP_ROLE, scope_to_organization

SEARCH_OWNER = "bench-search-owner@example.com"
QUERIES = {
    "rare word": search_text.RARE,
    "common word": "projet",
    "accents ignored": "equipe",
    "quoted phrase": '"réunion client"',
    "exclusion": "projet -client",
    "OR": "facture OR devis",
}


async def _analyze(database_url: str) -> None:
    """Fresh statistics, the stored `search_vector`'s included (a migration adding it
    leaves it without any, and the planner then guesses every word's frequency)."""
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("ANALYZE channel_messages"))
            await conn.commit()
    finally:
        await engine.dispose()


async def _count(database_url: str, org_id: str, q: str) -> int:
    """How many messages of the organization match `q` (for the table; not timed)."""
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            return int(
                await conn.scalar(
                    text(
                        "SELECT count(*) FROM channel_messages WHERE organization_id = :o "
                        "AND search_vector @@ websearch_to_tsquery('aurentia_french', :q)"
                    ),
                    {"o": uuid.UUID(org_id), "q": q},
                )
                or 0
            )
    finally:
        await engine.dispose()


async def explain(database_url: str, org: data.ChatOrg, q: str, limit: int) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the ranking statement that store.search runs for `q`
    (the statement captured as sent, then explained with the same parameters), as the
    server's role under Row Level Security, as the server runs it."""
    engine = create_engine(database_url, pool_size=1, role=DEFAULT_APP_ROLE)
    captured: list[tuple[str, Any]] = []

    def grab(conn: Any, cursor: Any, statement: str, params: Any, *rest: Any) -> None:
        captured.append((statement, params))

    event.listen(engine.sync_engine, "before_cursor_execute", grab)
    conv = Conversation(
        uuid.UUID(org.org_id), ChannelType(org.general["type"]), uuid.UUID(org.general["id"])
    )
    try:
        async with create_session_factory(engine)() as session, session.begin():
            await scope_to_organization(session, uuid.UUID(org.org_id))
            await store_search.search_messages(
                session,
                org_id=uuid.UUID(org.org_id),
                conversations=[conv],
                query=store_search.Query(q),
                limit=limit,
            )
            statement, params = next((s, p) for s, p in captured if "ts_rank" in s)
            conn = await session.connection()
            plan = await conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
            return "\n".join(row[0] for row in plan)
    finally:
        await engine.dispose()


async def search(url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Seed (or reuse) the channel, then time each query: `args.samples` requests or
    `args.search_budget` seconds, whichever ends first (at least 5)."""
    async with aiohttp.ClientSession() as session:
        api = data.Api(session, url, args.database_url)
        org, size = await data.history_channel(
            api, args.database_url, args.search_size, SEARCH_OWNER, search_text.messages
        )
        await _analyze(args.database_url)
        path = f"/api/v1/orgs/{org.org_id}/search"
        figures: dict[str, dict[str, Any]] = {}
        for label, q in QUERIES.items():
            target = f"{path}?q={quote(q)}"
            await api.call("GET", target, org.owner.token)  # warm the plan and caches
            times: list[float] = []
            hits = 0
            deadline = time.perf_counter() + args.search_budget
            while len(times) < args.samples and (len(times) < 5 or time.perf_counter() < deadline):
                start = time.perf_counter()
                page = await api.call("GET", target, org.owner.token)
                times.append(1000 * (time.perf_counter() - start))
                hits = len(page["items"])
            figures[label] = {
                "q": q,
                "n": len(times),
                "page": hits,
                "matches": await _count(args.database_url, org.org_id, q),
                "p50_ms": pct(times, 50),
                "p95_ms": pct(times, 95),
                "p99_ms": pct(times, 99),
            }
        # The floor: an authenticated request that searches nothing, on the same server.
        floor = []
        for _ in range(args.samples):
            start = time.perf_counter()
            await api.call("GET", "/api/v1/me", org.owner.token)
            floor.append(1000 * (time.perf_counter() - start))
    slowest = max(figures, key=lambda k: figures[k]["p99_ms"])
    plan = await explain(args.database_url, org, figures[slowest]["q"], 51)
    return {
        "size": size,
        "queries": figures,
        "slowest": slowest,
        "plan": plan,
        "floor": {"n": len(floor), **{f"p{p}_ms": pct(floor, p) for p in (50, 95, 99)}},
    }


def report(r: dict[str, Any]) -> str:
    lines = [
        f"search on {r['size']:,} messages (GET /orgs/{{org}}/search, all types, limit 50):",
        "| query | q | matches | n | p50 ms | p95 ms | p99 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, f in r["queries"].items():
        lines.append(
            f"| {label} | `{f['q']}` | {f['matches']:,} | {f['n']} | {f['p50_ms']:.1f} "
            f"| {f['p95_ms']:.1f} | {f['p99_ms']:.1f} |"
        )
    f = r["floor"]
    lines.append(
        f"| floor: GET /api/v1/me | | | {f['n']} | {f['p50_ms']:.1f} "
        f"| {f['p95_ms']:.1f} | {f['p99_ms']:.1f} |"
    )
    lines.append(f"\nEXPLAIN ANALYZE of the slowest ({r['slowest']}):\n{r['plan']}")
    return "\n".join(lines)
