"""Where the memory of an idle websocket connection goes, per connection.

Runs the server in this process (Aurentia as `aurentia serve` builds it, on the bench's
PostgreSQL database, or bench/bare_server.py's bare python-socketio app), opens
`--connections` idle websockets with the bench's Node load generator (the `connect` mode
of bench/run.py, the same clients), and prints, divided by the number of connections:

- RSS growth (the bench's figure; without `--trace`, since tracemalloc's own records
  inflate RSS);
- with `--trace`: the Python heap allocated during the connects and still alive, by the
  allocating line and by the first frame outside the standard library (who asked for it);
- objects by type (garbage-collected objects created during the connects, plus the
  untracked strings, bytes, ints they point to: shallow `sys.getsizeof` sizes), and the
  asyncio tasks by coroutine.

    python -m bench.memory_breakdown --server aurentia --connections 5000
    python -m bench.memory_breakdown --server aurentia --connections 5000 --trace
    python -m bench.memory_breakdown --server bare-python --connections 5000 --trace
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gc
import json
import os
import sys
import sysconfig
import tracemalloc
from typing import Any

import aiohttp
from aiohttp import web

from bench.procs import BENCH, free_port, rss_kib

STDLIB = sysconfig.get_paths()["stdlib"]
SITE = sysconfig.get_paths()["purelib"]
ROOT = str(BENCH.parent)


async def start_aurentia(args: argparse.Namespace, port: int) -> tuple[web.AppRunner, Any]:
    from bench import aurentia_data as data
    from bench.run import JWT, aurentia, prepare_database

    await prepare_database(args.database_url)
    # The environment the bench gives `aurentia serve`.
    env = aurentia(args).env
    os.environ.update({**env, "DATABASE_URL": args.database_url, "JWT_SECRET": JWT})
    from server.app import create_app
    from server.cli import load_settings, settle_heap
    from server.runner import Runner

    settings = load_settings(host="127.0.0.1", port=port)
    runner = Runner(create_app(settings), handle_signals=False, access_log=None)
    await runner.setup()
    settle_heap()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    async with aiohttp.ClientSession() as session:
        api = data.Api(session, f"http://127.0.0.1:{port}", args.database_url)
        org = await data.chat_org(api, args.people)
    return runner, [{"token": p.token} for p in [org.owner, *org.members]]


async def start_bare(port: int) -> tuple[web.AppRunner, Any]:
    from bench import bare_server

    runner = web.AppRunner(bare_server.app, handle_signals=False, access_log=None)
    await runner.setup()
    gc.collect()
    gc.freeze()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, None


async def open_sockets(url: str, count: int, auths: Any) -> asyncio.subprocess.Process:
    """The load generator with `count` sockets open and idle (until it is killed)."""
    proc = await asyncio.create_subprocess_exec(
        "node",
        str(BENCH / "loadgen.mjs"),
        cwd=BENCH,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    conf = {"count": count, "concurrency": 50, "auths": auths, "hold_ms": 3_600_000}
    proc.stdin.write(json.dumps({"mode": "connect", "url": url, "connect": conf}).encode())
    proc.stdin.close()
    async for raw in proc.stdout:
        line = json.loads(raw)
        if line["event"] == "measure_start":
            return proc
        if line["event"] == "error":
            raise RuntimeError(line["message"])
    raise RuntimeError(f"loadgen ended before connecting (exit {await proc.wait()})")


async def close_sockets(proc: asyncio.subprocess.Process) -> None:
    proc.kill()
    await proc.wait()
    await asyncio.sleep(2)  # the server sees the sockets close


def where(path: str) -> str:
    """A short name for a source file: package-relative in site-packages, else repo-relative."""
    for base, prefix in ((SITE, ""), (ROOT, ""), (STDLIB, "stdlib/")):
        if path.startswith(base):
            return prefix + path[len(base) :].lstrip("/")
    return path


def owner(tb: tracemalloc.Traceback) -> str:
    """The innermost frame outside the standard library (and this script): the code that
    asked for it; for what the event loop allocates by itself (accepted sockets, their
    transports and selector entries), the allocating line."""
    for frame in reversed(tb):
        name = frame.filename
        if not name.startswith(STDLIB) and "<frozen" not in name and name != __file__:
            return f"{where(name)}:{frame.lineno}"
    frame = tb[-1]
    return f"{where(frame.filename)}:{frame.lineno}"


def package(name: str) -> str:
    head = name.split("/")[0]
    return "stdlib/" + name.split("/")[1] if head == "stdlib" else head.split(":")[0]


def heap_report(snapshot: tracemalloc.Snapshot, n: int, top: int, detail: str) -> list[str]:
    by_line: collections.Counter[str] = collections.Counter()
    by_owner: collections.Counter[str] = collections.Counter()
    by_package: collections.Counter[str] = collections.Counter()
    total = 0
    for stat in snapshot.statistics("traceback"):
        tb = stat.traceback
        line = f"{where(tb[-1].filename)}:{tb[-1].lineno}"
        who = owner(tb)
        by_line[line] += stat.size
        by_owner[who] += stat.size
        by_package[package(who)] += stat.size
        total += stat.size
    out = [f"python heap allocated during the connects, still alive: {total / n / 1024:.2f} KiB"]
    if detail:
        out.append(f"\n  tracebacks of the biggest allocations whose owner contains {detail!r}:")
        stats = [s for s in snapshot.statistics("traceback") if detail in owner(s.traceback)]
        for stat in stats[:top]:
            per = f"{stat.size / n:8.0f} bytes per connection, {stat.count / n:.2f} blocks"
            out.append(f"    {per}")
            out += [f"        {where(f.filename)}:{f.lineno}" for f in list(stat.traceback)[-12:]]
    for title, counter in (
        ("by package of the first frame outside the standard library", by_package),
        ("by first frame outside the standard library", by_owner),
        ("by allocating line", by_line),
    ):
        out.append(f"\n  {title} (bytes per connection):")
        for key, size in counter.most_common(top):
            if size / n >= 8:
                out.append(f"    {size / n:8.0f}  {key}")
    return out


def tracked_ids() -> set[int]:
    return {id(o) for o in gc.get_objects()}


def type_report(before: set[int], n: int, top: int) -> list[str]:
    """Objects created since `before` (ids of gc-tracked objects then), by type."""
    count: collections.Counter[str] = collections.Counter()
    size: collections.Counter[str] = collections.Counter()
    seen: set[int] = set()
    fresh = [o for o in gc.get_objects() if id(o) not in before]
    for o in fresh:
        name = type(o).__qualname__
        count[name] += 1
        size[name] += sys.getsizeof(o)
        for r in gc.get_referents(o):
            if gc.is_tracked(r) or id(r) in seen or isinstance(r, type):
                continue
            seen.add(id(r))
            name = type(r).__qualname__ + " (untracked)"
            count[name] += 1
            size[name] += sys.getsizeof(r)
    del fresh
    total = sum(size.values())
    out = [f"\nobjects created during the connects, shallow: {total / n / 1024:.2f} KiB"]
    out.append("  (bytes per connection, objects per connection, type)")
    for name, bytes_ in size.most_common(top):
        if bytes_ / n >= 8:
            out.append(f"    {bytes_ / n:8.0f}  {count[name] / n:6.2f}  {name}")
    return out


def task_report(n: int) -> list[str]:
    tasks: collections.Counter[str] = collections.Counter()
    for task in asyncio.all_tasks():
        coro = task.get_coro()
        tasks[getattr(coro, "__qualname__", type(coro).__name__)] += 1
    out = [f"\nasyncio tasks: {sum(tasks.values()) / n:.2f} per connection"]
    out += [f"    {c / n:6.2f}  {name}" for name, c in tasks.most_common() if c / n >= 0.01]
    return out


async def main(args: argparse.Namespace) -> None:
    port = free_port()
    if args.server == "aurentia":
        runner, auths = await start_aurentia(args, port)
    else:
        runner, auths = await start_bare(port)
    url = f"http://127.0.0.1:{port}"
    n = args.connections
    try:
        # Warm up: lazily built state (caches, the first socket's code paths) is not per
        # connection.
        await close_sockets(await open_sockets(url, 200, auths))
        gc.collect()
        before_ids = tracked_ids() if args.types else set()
        if args.trace:
            tracemalloc.start(args.depth)
        rss_before = rss_kib(os.getpid())
        clients = await open_sockets(url, n, auths)
        rss_after = rss_kib(os.getpid())
        gc.collect()
        rss_collected = rss_kib(os.getpid())
        lines = [
            f"{args.server}: {n} idle websocket connections"
            + (" (tracemalloc on: RSS inflated by its records)" if args.trace else ""),
            f"RSS growth: {(rss_after - rss_before) / n:.2f} KiB per connection "
            f"(after gc.collect: {(rss_collected - rss_before) / n:.2f})",
        ]
        if args.trace:
            snapshot = tracemalloc.take_snapshot()
            tracemalloc.stop()
            snapshot = snapshot.filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
            lines += heap_report(snapshot, n, args.top, args.detail)
            del snapshot
        if args.types:
            lines += type_report(before_ids, n, args.top)
        lines += task_report(n)
        print("\n".join(lines), flush=True)
        await close_sockets(clients)
    finally:
        await runner.cleanup()


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--server", choices=["aurentia", "bare-python"], default="aurentia")
    p.add_argument("--connections", type=int, default=5000)
    p.add_argument("--people", type=int, default=20, help="users behind the sockets")
    p.add_argument("--trace", action="store_true", help="tracemalloc breakdown")
    p.add_argument("--depth", type=int, default=40, help="tracemalloc frames kept")
    p.add_argument("--no-types", dest="types", action="store_false", help="skip the type count")
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--detail", default="", help="print the tracebacks of these owners")
    p.add_argument(
        "--database-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/aurentia_bench"
    )
    return p.parse_args(argv)


if __name__ == "__main__":
    sys.setrecursionlimit(10_000)
    asyncio.run(main(parse()))
