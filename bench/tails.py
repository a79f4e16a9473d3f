"""Where the slow requests' time goes: history pages, syncs and boards, one at a time.

    python -m bench.tails                  # 1,000 pages, 100 syncs, 200 boards
    python -m bench.tails --samples 200    # quicker

bench/run.py reports p50 and p99 from the client's clock. This script runs the same
requests against bench/traced_server.py and splits each one's client-side time into:
- `server`: the server's own handling (its access log's duration), of which `db` is
  spent in statements (round trip included) and `gc` in the cyclic garbage collector;
- `outside`: the rest (the client, the loopback, the event loops' queues);
- `runq`: time the server process and PostgreSQL's backends were runnable but waited for
  a core (/proc/PID/schedstat), wherever it fell;
- `client gc`: this process's garbage collector.
It prints each figure's mean over all requests and over the slowest 1 %, so a tail can be
told apart from the median by its cause. Requests are sequential: the server's records
are matched to the request whose interval holds them.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import socketio

from bench import aurentia_data as data
from bench.procs import load_average, python_server
from bench.rest_figures import settle_client_heap, sync_latest
from bench.run import aurentia, prepare_database

Call = Callable[[], Awaitable[Any]]
client_gc: list[tuple[float, float]] = []
_client_gc_started = [0.0]


def _client_gc(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _client_gc_started[0] = time.time()
    else:
        client_gc.append((_client_gc_started[0], time.time()))


def runq_ms(pids: list[int]) -> float:
    """Milliseconds these processes spent waiting for a core (schedstat's second field)."""
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/schedstat").read_text().split()[1])
        except FileNotFoundError:
            continue
    return total / 1e6


async def measure(name: str, call: Call, count: int, pids: list[int]) -> list[dict[str, Any]]:
    rows = []
    for _ in range(count):
        waited = runq_ms(pids)
        start = time.time()
        await call()
        end = time.time()
        rows.append({"kind": name, "start": start, "end": end, "runq": runq_ms(pids) - waited})
    return rows


def overlap(intervals: list[Any], start: float, end: float) -> float:
    return sum(max(0.0, min(e, end) - max(s, start)) for s, e, *_ in intervals)


def split(rows: list[dict[str, Any]], timeline: dict[str, list[Any]]) -> None:
    """Each row's client time split by the server's timeline (milliseconds)."""
    for row in rows:
        s, e = row["start"], row["end"]
        served = [r for r in timeline["request"] if r[0] >= s - 0.002 and r[1] <= e + 0.002]
        row["client"] = 1000 * (e - s)
        row["server"] = 1000 * sum(r[1] - r[0] for r in served)
        row["db"] = 1000 * overlap(timeline["db"], s, e)
        row["gc"] = 1000 * overlap(timeline["gc"], s, e)
        row["gc2"] = any(g[2] == 2 and g[1] >= s and g[0] <= e for g in timeline["gc"])
        row["outside"] = row["client"] - row["server"]
        row["client gc"] = 1000 * overlap(client_gc, s, e)


COLUMNS = ["client", "server", "db", "gc", "outside", "runq", "client gc"]


def report(name: str, rows: list[dict[str, Any]]) -> str:
    ordered = sorted(rows, key=lambda r: r["client"])
    slow = ordered[-max(1, len(rows) // 100) :]
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]["client"]
    p50 = ordered[len(ordered) // 2]["client"]

    def mean(part: list[dict[str, Any]], col: str) -> str:
        return f"{sum(r[col] for r in part) / len(part):7.2f}"

    lines = [
        f"{name}: {len(rows)} requests, client p50 {p50:.2f} ms, p99 {p99:.2f} ms",
        f"  {'ms (mean)':<16}" + "".join(f"{c:>10}" for c in COLUMNS),
        f"  {'all':<16}" + "".join(f"{mean(rows, c):>10}" for c in COLUMNS),
        f"  {f'slowest {len(slow)}':<16}" + "".join(f"{mean(slow, c):>10}" for c in COLUMNS),
        f"  slowest with a full (gen 2) collection: {sum(r['gc2'] for r in slow)} of {len(slow)}; "
        f"all requests: {sum(r['gc2'] for r in rows)} of {len(rows)}",
    ]
    return "\n".join(lines)


def collections(passes: list[Any]) -> str:
    """The server's collector over the whole run, by generation."""
    lines = ["server gc passes: generation, count, mean ms, max ms"]
    for generation in (0, 1, 2):
        spans = [1000 * (end - start) for start, end, g in passes if g == generation]
        if spans:
            mean = sum(spans) / len(spans)
            lines.append(f"  {generation} {len(spans):6d} {mean:8.3f} {max(spans):8.3f}")
    return "\n".join(lines)


async def backends(url: str) -> list[int]:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return [r["pid"] for r in rows]
    finally:
        await conn.close()


async def run(args: argparse.Namespace) -> None:
    await prepare_database(args.database_url)
    trace = Path(tempfile.mkdtemp(prefix="bench-tails-")) / "timeline.json"
    plain = aurentia(args)
    server = python_server(
        "aurentia-traced",
        ["-m", "bench.traced_server", *plain.argv[3:]],
        {**plain.env, "TRACE_FILE": str(trace), "TRACE_GC_YOUNG": str(args.gc_young or "")},
    )
    await server.start()
    try:
        async with aiohttp.ClientSession() as session:
            api = data.Api(session, server.url, args.database_url)
            org, size = await data.history_channel(api, args.database_url, args.history_size)
            ch = org.general
            base = f"/api/v1/orgs/{org.org_id}"
            path = f"{base}/channels/{ch['type']}/{ch['id']}/messages"
            project = await data.board_project(api, org.owner.token, org.org_id, args.tasks)

            async def page() -> None:
                before = random.randint(51, size)
                await api.call("GET", f"{path}?before_seq={before}&limit=50", org.owner.token)

            async def board() -> None:
                await api.call("GET", f"{base}/projects/{project}/board", org.owner.token)

            client = socketio.AsyncClient(reconnection=False)
            await client.connect(
                server.url, auth={"token": org.owner.token}, transports=["websocket"]
            )

            async def sync() -> None:
                await sync_latest(client, ch, size)

            for warm in (page, board, sync):
                for _ in range(5):
                    await warm()
            pids = [server.pid, *await backends(args.database_url)]
            settle_client_heap()
            gc.callbacks.append(_client_gc)
            load = load_average()
            rows = {
                "history page of 50": await measure("page", page, args.samples, pids),
                "sync of 1000": await measure("sync", sync, max(args.samples // 10, 20), pids),
                f"board of {args.tasks}": await measure("board", board, args.samples // 5, pids),
            }
            await client.disconnect()
    finally:
        server.stop()
    timeline = json.loads(trace.read_text())
    print(f"load average at start {load}, at end {load_average()}")
    for name, measured in rows.items():
        split(measured, timeline)
        print(report(name, measured), flush=True)
    print(collections(timeline["gc"]))


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--samples", type=int, default=1000)
    p.add_argument("--history-size", type=int, default=1_000_000)
    p.add_argument("--tasks", type=int, default=500)
    p.add_argument("--gc-young", type=int, help="the server's young-generation GC threshold")
    p.add_argument(
        "--database-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/aurentia_bench"
    )
    return p.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(run(parse()))
