"""History and sync timings on a large channel, and REST timings (board, time entries)."""

from __future__ import annotations

import argparse
import gc
import random
import time
from datetime import date, timedelta
from typing import Any

import aiohttp
import socketio

from bench.procs import cpu_seconds


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def settle_client_heap() -> None:
    """This process's heap (a history's seeding, a board's tasks) out of its collector's
    sight: a full collection of it in the middle of a timed request was counted as the
    server's latency (bench/tails.py's `client gc`: about 50 ms, in syncs and boards)."""
    gc.collect()
    gc.freeze()


async def timed(coro: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = await coro
    return 1000 * (time.perf_counter() - start), result


async def sync_latest(client: socketio.AsyncClient, ch: dict[str, Any], size: int) -> int:
    """The channel's last 1000 messages by `sync`, in pages of 500; how many came."""
    after, got = size - 1000, 0
    while True:
        reply = await client.call(
            "sync", {"cursors": [{"channel": ch, "after_seq": after}], "limit": 500}, timeout=30
        )
        assert reply["ok"], reply
        (chan,) = reply["data"]["channels"]
        got += len(chan["messages"])
        after = chan["messages"][-1]["seq"] if chan["messages"] else after
        if not chan["has_more"]:
            return got


async def history(url: str, args: argparse.Namespace, data: Any, pid: int) -> dict[str, Any]:
    """Pages of 50 over REST and syncs of 1000 over Socket.IO, with the server's CPU per
    request (a figure the machine's load does not inflate the way it does latency)."""
    async with aiohttp.ClientSession() as session:
        api = data.Api(session, url, args.database_url)
        org, size = await data.history_channel(api, args.database_url, args.history_size)
        ch = org.general
        path = f"/api/v1/orgs/{org.org_id}/channels/{ch['type']}/{ch['id']}/messages"
        settle_client_heap()
        pages = []
        cpu = cpu_seconds(pid)
        for _ in range(args.samples):
            before = random.randint(51, size)
            ms, page = await timed(
                api.call("GET", f"{path}?before_seq={before}&limit=50", org.owner.token)
            )
            assert len(page["messages"]) == 50, page
            pages.append(ms)
        page_cpu = (cpu_seconds(pid) - cpu) / args.samples
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(url, auth={"token": org.owner.token}, transports=["websocket"])
    syncs = []
    cpu = cpu_seconds(pid)
    try:
        for _ in range(max(args.samples // 10, 5)):
            start = time.perf_counter()
            got = await sync_latest(client, ch, size)
            syncs.append(1000 * (time.perf_counter() - start))
            assert got == 1000, got
        sync_cpu = (cpu_seconds(pid) - cpu) / len(syncs)
    finally:
        await client.disconnect()
    return {
        "size": size,
        "page_cpu_ms": 1000 * page_cpu,
        "sync_cpu_ms": 1000 * sync_cpu,
        "page_p50_ms": pct(pages, 50),
        "page_p99_ms": pct(pages, 99),
        "sync_p50_ms": pct(syncs, 50),
        "sync_p99_ms": pct(syncs, 99),
    }


async def rest(url: str, args: argparse.Namespace, data: Any, pid: int) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session:
        api = data.Api(session, url, args.database_url)
        owner = await api.person()
        org_id, _ = await api.org(owner)
        base = f"/api/v1/orgs/{org_id}"
        project_id = await data.new_project(api, owner.token, org_id)
        start = time.perf_counter()
        await data.add_tasks(api, owner.token, org_id, project_id, args.tasks)
        task_post_s = args.tasks / (time.perf_counter() - start)
        board_count = max(args.samples // 4, 10)
        settle_client_heap()
        cpu = cpu_seconds(pid)
        boards = [
            (await timed(api.call("GET", f"{base}/projects/{project_id}/board", owner.token)))[0]
            for _ in range(board_count)
        ]
        board_cpu = (cpu_seconds(pid) - cpu) / board_count
        entries = []
        first = date.today() - timedelta(days=400)
        start = time.perf_counter()
        for i in range(args.entries):
            body = {
                "projet_id": project_id,
                "date": (first + timedelta(days=i // 4)).isoformat(),
                "heures_travaillees": "1.5",
            }
            entries.append(
                (await timed(api.call("POST", f"{base}/time-entries", owner.token, json=body)))[0]
            )
        entry_post_s = args.entries / (time.perf_counter() - start)
    return {
        "board_p50_ms": pct(boards, 50),
        "board_p99_ms": pct(boards, 99),
        "board_cpu_ms": 1000 * board_cpu,
        "task_post_s": task_post_s,
        "entry_post_s": entry_post_s,
        "entry_p50_ms": pct(entries, 50),
        "entry_p99_ms": pct(entries, 99),
    }
