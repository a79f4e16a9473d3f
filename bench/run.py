"""One benchmark run: the Aurentia server (auth, validation, persistence on PostgreSQL), a
bare python-socketio server and a bare Node socket.io server under the same Node
socket.io-client load, then Aurentia's persistence, history, REST and Redis figures.

    (cd bench && npm ci) && python -m bench.run            # full, from the repository root
    python -m bench.run --quick                            # about a minute

See bench/RESULTS.md for what each figure means and the last measured table.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bench import aurentia_data as data
from bench import rest_figures, search_figures
from bench.procs import Server, drive, load_average, node_server, python_server, rss_kib
from store import migrate

SERVERS = ["aurentia", "aurentia-lib", "bare-python", "node"]
MODES = ["fanout", "latency", "connect", "persist", "history", "rest", "search", "redis", "storm"]
JWT = "bench-only-secret-0123456789abcdefghijklmnopqrstuvwxyz"


def aurentia(args: argparse.Namespace, name: str = "aurentia", **env: str) -> Server:
    base = {
        "DATABASE_URL": args.database_url,
        "JWT_SECRET": JWT,
        "AUTO_MIGRATE": "false",
        "LOG_LEVEL": "WARNING",
        "ANALYTICS_JOB_ENABLED": "false",
        "DB_POOL_SIZE": "20",
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_KIB": "8",
        "ARGON2_PARALLELISM": "1",
        "SOCKET_EVENTS_PER_SECOND": "1000000",
        "SOCKET_EVENT_BURST": "1000000",
        "LOGIN_ATTEMPTS_PER_MINUTE_PER_ADDRESS": "1000000",
        "LOGIN_ATTEMPTS_PER_MINUTE_PER_EMAIL": "1000000",
        "REGISTRATIONS_PER_HOUR_PER_ADDRESS": "1000000",
        # search times hundreds of requests a minute from one user.
        "HTTP_REQUESTS_PER_MINUTE_PER_USER": "1000000",
        "HTTP_REQUESTS_PER_MINUTE_PER_ADDRESS": "1000000",
        # persist opens 100 sockets per user (one per channel); the cap's maximum.
        "MAX_SOCKETS_PER_USER": "1000",
    }
    return python_server(name, ["-m", "server.cli", "serve", "--port", "{port}"], {**base, **env})


def bare_python() -> Server:
    return python_server("bare-python", [str(Path(__file__).parent / "bare_server.py"), "{port}"])


async def prepare_database(url: str) -> None:
    """Create the benchmark database if missing and migrate it."""
    target = make_url(url)
    admin = create_async_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            exists = await conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}
            )
            if not exists:
                await conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        await admin.dispose()
    await migrate.upgrade(url)


def room_traffic(kind: str, org: data.ChatOrg | None, members: int) -> dict[str, Any]:
    """Receivers of one room and its sender (socket 0) for `kind` of server."""
    if org is None:
        join = [{"event": "join", "data": {"room": "r"}}]
        sockets = [{"joins": join} for _ in range(members + 1)]
        sender = {"socket": 0, "event": "send", "data": {"room": "r", "content": "$content"}}
    else:
        join = [{"event": "channel:join", "data": {"channel": org.general}}]
        people = [org.owner, *org.members]
        sockets = [
            {"auth": {"token": people[i % len(people)].token}, "joins": join}
            for i in range(members + 1)
        ]
        sender = {
            "socket": 0,
            "event": "message:send",
            "data": {"channel": org.general, "content": "$content", "client_msg_id": "$cid"},
        }
    return {"sockets": sockets, "senders": [sender], "recv": "message:new"}


async def socket_figures(
    args: argparse.Namespace, kind: str, servers: list[Server], org: data.ChatOrg | None
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    url = servers[0].url
    traffic = room_traffic(kind, org, args.members)
    timing = {"warmup_ms": args.warmup * 1000, "duration_ms": args.duration * 1000}
    if "fanout" in args.modes:
        profilers: list[asyncio.subprocess.Process] = []

        async def profile() -> None:
            profilers.extend(await start_profile(args, kind, servers[0]))

        r = await drive(
            {"mode": "saturate", "url": url, "window": args.window, **traffic, **timing},
            servers,
            on_start=profile,
        )
        out["deliveries_s"] = r["deliveries_per_second"]
        out["cpu_us_per_delivery"] = 1e6 * r["cpu_s"] / max(r["deliveries"], 1)
        out["load_fanout"] = load_average()
        for profiler in profilers:
            await profiler.wait()
    if "latency" in args.modes:
        r = await drive(
            {"mode": "paced", "url": url, "rate": args.rate, **traffic, **timing}, servers
        )
        out["p50_ms"], out["p99_ms"] = r["latency_ms"]["p50"], r["latency_ms"]["p99"]
    if "connect" in args.modes:
        # Spread over the room's members: the server caps the sockets of one user.
        auths = [{"token": p.token} for p in [org.owner, *org.members]] if org else None
        before = sum(rss_kib(s.pid) for s in servers)
        conf = {"count": args.connections, "concurrency": 50, "auths": auths, "hold_ms": 3000}
        connect_profilers: list[asyncio.subprocess.Process] = []

        async def profile_connect() -> None:
            connect_profilers.extend(await start_profile(args, f"{kind}-connect", servers[0]))

        r = await drive(
            {"mode": "connect", "url": url, "connect": conf}, servers, on_start=profile_connect
        )
        for profiler in connect_profilers:
            await profiler.wait()
        out["conn_s"] = r["per_second"]
        out["kib_per_conn"] = (r["rss_start_kib"] - before) / args.connections
    return out


async def run_server(args: argparse.Namespace, kind: str) -> dict[str, Any]:
    if kind.startswith("aurentia"):
        server = aurentia(args, kind, FAST_FANOUT="false" if kind == "aurentia-lib" else "true")
    else:
        server = bare_python() if kind == "bare-python" else node_server()
    await server.start()
    try:
        org = None
        if kind.startswith("aurentia"):
            async with aiohttp.ClientSession() as session:
                api = data.Api(session, server.url, args.database_url)
                org = await data.chat_org(api, args.people)
        return await socket_figures(args, kind, [server], org)
    finally:
        server.stop()


def channel_traffic(org: data.ChatOrg, channels: list[dict[str, Any]]) -> dict[str, Any]:
    """Every member of `org` joins each of `channels` on a socket of its own; in each
    channel one member (a different one from channel to channel) sends, one message in
    flight at a time (the `persist` and `redis` modes)."""
    sockets: list[dict[str, Any]] = []
    senders = []
    for j, channel in enumerate(channels):
        join = [{"event": "channel:join", "data": {"channel": channel}}]
        for k, person in enumerate(org.members):
            if k == j % len(org.members):
                data = {"channel": channel, "content": "$content", "client_msg_id": "$cid"}
                senders.append({"socket": len(sockets), "event": "message:send", "data": data})
            sockets.append({"auth": {"token": person.token}, "joins": join})
    return {"window": 1, "sockets": sockets, "senders": senders, "recv": "message:new"}


def send_figures(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "sends_s": r["acks_per_second"],
        "deliveries_s": r["deliveries_per_second"],
        "ack_p50_ms": r["ack_ms"]["p50"],
        "ack_p99_ms": r["ack_ms"]["p99"],
        "cpu_ms_per_send": 1000 * r["cpu_s"] / max(r["acks"], 1),
        "errors": r["errors"],
        "load": load_average(),
    }


async def persist_figures(args: argparse.Namespace) -> dict[str, Any]:
    server = await aurentia(args).start()
    try:
        async with aiohttp.ClientSession() as session:
            api = data.Api(session, server.url, args.database_url)
            org = await data.chat_org(api, 5)
            channels = await data.groups(api, org, args.channels)
        profilers: list[asyncio.subprocess.Process] = []

        async def profile() -> None:
            profilers.extend(await start_profile(args, "aurentia-persist", server))

        r = await drive(
            {
                "mode": "saturate",
                "url": server.url,
                **channel_traffic(org, channels),
                "warmup_ms": args.warmup * 1000,
                "duration_ms": args.duration * 1000,
            },
            [server],
            on_start=profile,
        )
        for profiler in profilers:
            await profiler.wait()
        return send_figures(r)
    finally:
        server.stop()


async def redis_round(args: argparse.Namespace, count: int, tag: str) -> dict[str, Any]:
    """The `persist` traffic on `count` processes sharing PostgreSQL and Redis: socket i
    connects to process i % count, so each channel's members (and its senders) are
    spread over them, and a message reaches the other process's members through Redis."""
    servers = [
        aurentia(args, f"aurentia-redis-{count}-{i}", REDIS_URL=args.redis_url)
        for i in range(count)
    ]
    for s in servers:
        await s.start()
    try:
        async with aiohttp.ClientSession() as session:
            api = data.Api(session, servers[0].url, args.database_url)
            org = await data.chat_org(api, 5)
            channels = await data.groups(api, org, args.channels)
        profilers: list[asyncio.subprocess.Process] = []

        async def profile() -> None:
            for i, s in enumerate(servers):
                profilers.extend(await start_profile(args, f"aurentia-redis-{tag}{count}-{i}", s))

        r = await drive(
            {
                "mode": "saturate",
                "url": servers[0].url,
                "urls": [s.url for s in servers],
                **channel_traffic(org, channels),
                "warmup_ms": args.warmup * 1000,
                "duration_ms": args.duration * 1000,
            },
            servers,
            on_start=profile,
        )
        for profiler in profilers:
            await profiler.wait()
        return send_figures(r)
    finally:
        for s in servers:
            s.stop()


async def redis_figures(args: argparse.Namespace) -> dict[str, Any]:
    """`--redis-rounds` rounds of one process then two. On this 2-core machine one
    round's ratio has varied from x0.7 to x1.5 for the same code, so the figure is the
    median of the rounds' ratios."""
    rounds = []
    for n in range(args.redis_rounds):
        tag = f"r{n}-" if args.redis_rounds > 1 else ""
        one, two = await redis_round(args, 1, tag), await redis_round(args, 2, tag)
        # Every send has as many deliveries on one process as on two, so the CPU ratio
        # per send is also the ratio per delivery: the predictor of linear scaling.
        ratios = {
            "ratio": two["deliveries_s"] / one["deliveries_s"],
            "cpu_ratio": two["cpu_ms_per_send"] / one["cpu_ms_per_send"],
        }
        rounds.append({1: one, 2: two, **ratios})
    cpu_ratios = sorted(r["cpu_ratio"] for r in rounds)
    return {"rounds": rounds, "median_cpu_ratio": cpu_ratios[len(cpu_ratios) // 2]}


async def storm_figures(args: argparse.Namespace) -> dict[str, Any]:
    """A reconnect storm: `--storm-people` members of one organization with
    `--storm-devices` sockets each (the owner too, one of whose sockets stays as the
    watcher), every view of presence exact; all the other sockets drop at once, wait
    `--storm-pause` s and reconnect. With `--storm-processes 2` (Redis) socket i goes to
    process i % 2."""
    env = {"REDIS_URL": args.redis_url} if args.storm_processes > 1 else {}
    if args.storm_db_pool:
        # PostgreSQL's max_connections is shared with whatever else runs on the machine.
        env["DB_POOL_SIZE"] = str(args.storm_db_pool)
    servers = [aurentia(args, f"aurentia-storm-{i}", **env) for i in range(args.storm_processes)]
    for s in servers:
        await s.start()
    try:
        async with aiohttp.ClientSession() as session:
            api = data.Api(session, servers[0].url, args.database_url)
            org = await data.chat_org(api, args.storm_people)
        people = [org.owner, *org.members]
        storm = {
            "auths": [{"token": p.token} for p in people],
            "devices": args.storm_devices,
            "watchers": 1,
            "organization_id": org.org_id,
            "users": [p.id for p in people],
            "concurrency": 100,
            "pause_ms": args.storm_pause * 1000,
            "settle_ms": 2000,
            "exact_timeout_ms": 60_000,
        }
        config = {"mode": "storm", "url": servers[0].url, "urls": [s.url for s in servers]}
        profilers: list[asyncio.subprocess.Process] = []

        async def profile() -> None:
            for i, server in enumerate(servers):
                profilers.extend(await start_profile(args, f"aurentia-storm-{i}", server))

        r = await drive({**config, "storm": storm}, servers, on_start=profile)
        for profiler in profilers:
            await profiler.wait()
        r["load"] = load_average()
        return r
    except Exception:
        for s in servers:  # what the servers logged is why: their logs go with them
            print(f"--- {s.name} log (end) ---\n{s.log_text()[-6000:]}", file=sys.stderr)
        raise
    finally:
        for s in servers:
            s.stop()


async def start_profile(
    args: argparse.Namespace, kind: str, server: Server
) -> list[asyncio.subprocess.Process]:
    """py-spy on a Python server over the measured window (collapsed stacks in --profile)."""
    if not args.profile or kind == "node":  # py-spy reads Python processes only
        return []
    out = Path(args.profile) / f"{kind}.txt"
    proc = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "py-spy"),
        "record",
        "--pid",
        str(server.pid),
        "--duration",
        str(max(1, int(args.duration))),
        "--format",
        "raw",
        "--output",
        str(out),
        "--nonblocking",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    return [proc]


def fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def table(results: dict[str, Any]) -> str:
    rows = [
        ("deliveries/s", "deliveries_s", 0, True),
        ("CPU us/delivery", "cpu_us_per_delivery", 1, False),
        ("p50 ms (paced)", "p50_ms", 2, False),
        ("p99 ms (paced)", "p99_ms", 2, False),
        ("connections/s", "conn_s", 0, True),
        ("KiB/idle conn", "kib_per_conn", 1, False),
    ]
    kinds = [k for k in SERVERS if k in results]
    lines = [
        "| figure | " + " | ".join(kinds) + " | aurentia / node | aurentia / bare-python |",
        "|---" * (len(kinds) + 3) + "|",
    ]
    for label, key, digits, _ in rows:
        cells = [fmt(results[k].get(key), digits) for k in kinds]
        ratios = []
        for ref in ("node", "bare-python"):
            a, b = results.get("aurentia", {}).get(key), results.get(ref, {}).get(key)
            ratios.append(f"{a / b:.2f}" if a is not None and b else "-")
        lines.append(f"| {label} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> None:
    await prepare_database(args.database_url)
    print(f"load average at start: {load_average()}", flush=True)
    results: dict[str, Any] = {}
    if {"fanout", "latency", "connect"} & set(args.modes):
        for kind in args.servers:
            print(f"== {kind}", flush=True)
            results[kind] = await run_server(args, kind)
            print(f"   {results[kind]}", flush=True)
        print(table(results))
    if "persist" in args.modes:
        p = await persist_figures(args)
        print(
            f"\npersisted sends over {args.channels} channels of 5: {p['sends_s']:.0f}/s, "
            f"ack p50 {p['ack_p50_ms']:.1f} ms, p99 {p['ack_p99_ms']:.1f} ms, "
            f"server CPU {p['cpu_ms_per_send']:.2f} ms/send "
            f"(errors {p['errors']}, load {p['load']})",
            flush=True,
        )
    if {"history", "rest", "search"} & set(args.modes):
        server = await aurentia(args).start()
        try:
            if "history" in args.modes:
                h = await rest_figures.history(server.url, args, data, server.pid)
                print(
                    f"\nhistory on {h['size']:,} messages: "
                    f"page of 50 p50 {h['page_p50_ms']:.2f} ms, "
                    f"p99 {h['page_p99_ms']:.2f} ms; sync of 1000 p50 {h['sync_p50_ms']:.1f} ms, "
                    f"p99 {h['sync_p99_ms']:.1f} ms; server CPU {h['page_cpu_ms']:.2f} ms/page, "
                    f"{h['sync_cpu_ms']:.1f} ms/sync",
                    flush=True,
                )
            if "rest" in args.modes:
                r = await rest_figures.rest(server.url, args, data, server.pid)
                print(
                    f"\nREST: board of {args.tasks} tasks p50 {r['board_p50_ms']:.1f} ms, "
                    f"p99 {r['board_p99_ms']:.1f} ms (server CPU {r['board_cpu_ms']:.1f} ms); "
                    f"task POST {r['task_post_s']:.0f}/s; "
                    f"time-entry POST {r['entry_post_s']:.0f}/s, p50 {r['entry_p50_ms']:.1f} ms, "
                    f"p99 {r['entry_p99_ms']:.1f} ms",
                    flush=True,
                )
            if "search" in args.modes:
                print(f"load average before search: {load_average()}", flush=True)
                found = await search_figures.search(server.url, args)
                print("\n" + search_figures.report(found), flush=True)
                print(f"load average after search: {load_average()}", flush=True)
        finally:
            server.stop()
    if "redis" in args.modes:
        r = await redis_figures(args)
        for n, round_ in enumerate(r["rounds"]):
            for count in (1, 2):
                f = round_[count]
                print(
                    f"\nRedis round {n + 1}, {count} process(es), {args.channels} channels "
                    f"of 5: {f['sends_s']:.0f} sends/s, {f['deliveries_s']:,.0f} deliveries/s, "
                    f"ack p50 {f['ack_p50_ms']:.1f} ms, p99 {f['ack_p99_ms']:.1f} ms, "
                    f"server CPU {f['cpu_ms_per_send']:.2f} ms/send (errors {f['errors']}, "
                    f"load {f['load']})",
                    flush=True,
                )
            print(
                f"Redis round {n + 1}: 2 processes / 1: throughput x{round_['ratio']:.2f}, "
                f"server CPU per send (and per delivery) x{round_['cpu_ratio']:.2f}",
                flush=True,
            )
        print(f"Redis: median CPU ratio of the rounds x{r['median_cpu_ratio']:.2f}", flush=True)
    if "storm" in args.modes:
        r = await storm_figures(args)
        print(
            f"\nstorm: {r['sockets']:,} sockets ({args.storm_people} people + the owner, "
            f"{args.storm_devices} devices each, {args.storm_processes} process(es), "
            f"pause {args.storm_pause:g} s): all reconnected in {r['connected_s']:.2f} s, "
            f"presence exact everywhere in {r['exact_s']:.2f} s; presence deliveries "
            f"{r['deliveries']:,} ({r['per_watcher']:,.0f} to the watcher that stayed: "
            f"{r['watcher_statuses']}); "
            f"server CPU {r['cpu_s']:.1f} s (load {r['load']})",
            flush=True,
        )
    print(f"load average at end: {load_average()}")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--servers", default=",".join(SERVERS))
    p.add_argument("--modes", default=",".join(MODES))
    p.add_argument("--members", type=int, default=200, help="sockets in the broadcast room")
    p.add_argument("--people", type=int, default=20, help="users behind those sockets")
    p.add_argument("--duration", type=float, default=10.0, help="measured seconds per figure")
    p.add_argument("--warmup", type=float, default=3.0)
    p.add_argument("--window", type=int, default=8, help="un-acked sends of the saturating sender")
    p.add_argument("--rate", type=float, default=50.0, help="paced messages/s")
    p.add_argument("--connections", type=int, default=5000)
    p.add_argument("--channels", type=int, default=100)
    p.add_argument("--history-size", type=int, default=1_000_000)
    p.add_argument("--samples", type=int, default=200, help="history pages and syncs timed")
    p.add_argument("--search-size", type=int, default=1_000_000)
    p.add_argument(
        "--search-budget", type=float, default=30.0, help="most seconds timed per search query"
    )
    p.add_argument("--tasks", type=int, default=500)
    p.add_argument("--entries", type=int, default=500)
    p.add_argument(
        "--database-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/aurentia_bench"
    )
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    p.add_argument("--redis-rounds", type=int, default=3, help="rounds of 1 then 2 processes")
    p.add_argument("--storm-people", type=int, default=200)
    p.add_argument("--storm-devices", type=int, default=10)
    p.add_argument(
        "--storm-pause",
        type=float,
        default=6.0,
        help="seconds the dropped sockets stay away (above PRESENCE_GRACE_SECONDS: all go offline)",
    )
    p.add_argument("--storm-processes", type=int, default=1, help="2: on Redis")
    p.add_argument(
        "--storm-db-pool",
        type=int,
        help="DB_POOL_SIZE of each storm process (it opens up to twice that); default 20",
    )
    p.add_argument("--profile", help="folder for py-spy profiles of the Python servers")
    p.add_argument("--quick", action="store_true", help="small sizes: about a minute")
    args = p.parse_args(argv)
    if args.quick:
        args.members, args.people, args.duration, args.warmup = 50, 5, 2.0, 1.0
        args.connections, args.channels, args.samples = 300, 10, 20
        args.tasks, args.entries, args.history_size = 50, 50, min(args.history_size, 20_000)
        args.search_size, args.search_budget = min(args.search_size, 20_000), 5.0
        args.storm_people, args.storm_devices = 20, 3
        args.redis_rounds = 1
    args.servers = args.servers.split(",")
    args.modes = args.modes.split(",")
    return args


if __name__ == "__main__":
    asyncio.run(main(parse()))
