"""Server processes, their CPU and memory from /proc, and the Node load generator."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (fields 14 and 15 of /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def load_average() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


@dataclass
class Server:
    """One server process listening on `port`; `argv` is run from the repository root."""

    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    log: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, timeout: float = 60) -> Server:
        self.log = tempfile.NamedTemporaryFile(prefix=f"bench-{self.name}-", suffix=".log")  # noqa: SIM115
        argv = [a.replace("{port}", str(self.port)) for a in self.argv]
        env = {**os.environ, "PYTHONPATH": str(ROOT), **self.env}
        self.proc = subprocess.Popen(  # noqa: ASYNC220 - Popen returns at once
            argv, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = asyncio.get_running_loop().time() + timeout
        async with aiohttp.ClientSession() as session:
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{self.name} exited:\n{self.log_text()}")
                try:
                    async with session.get(f"{self.url}/healthz") as resp:
                        if resp.status == 200:
                            return self
                except aiohttp.ClientError:
                    pass
                if asyncio.get_running_loop().time() > deadline:
                    raise RuntimeError(f"{self.name} did not start:\n{self.log_text()}")
                await asyncio.sleep(0.2)

    def log_text(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.log is not None:
            self.log.close()


def python_server(name: str, module_args: list[str], env: dict[str, str] | None = None) -> Server:
    return Server(name, [sys.executable, *module_args], env or {})


def node_server() -> Server:
    return Server("node", ["node", str(BENCH / "node_server.mjs"), "{port}"])


@dataclass
class Sample:
    cpu: float
    rss: int


def sample(servers: list[Server]) -> Sample:
    return Sample(sum(cpu_seconds(s.pid) for s in servers), sum(rss_kib(s.pid) for s in servers))


async def drive(
    config: dict[str, Any],
    servers: list[Server],
    timeout: float = 600,
    on_start: Callable[[], Awaitable[None]] | None = None,
) -> dict[str, Any]:
    """Run bench/loadgen.mjs with `config`; the servers' CPU and RSS are sampled at its
    measure_start and measure_end lines and added to the result as `cpu_s`, `rss_start_kib`
    and `rss_end_kib`."""
    proc = await asyncio.create_subprocess_exec(
        "node",
        str(BENCH / "loadgen.mjs"),
        cwd=BENCH,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        limit=1 << 24,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(json.dumps(config).encode())
    proc.stdin.close()
    start = end = None
    result: dict[str, Any] | None = None
    async with asyncio.timeout(timeout):
        async for raw in proc.stdout:
            line = json.loads(raw)
            if line["event"] == "measure_start":
                start = sample(servers)
                if on_start is not None:
                    await on_start()
            elif line["event"] == "measure_end":
                end = sample(servers)
            elif line["event"] == "error":
                raise RuntimeError(line["message"])
            elif line["event"] == "result":
                result = line
        await proc.wait()
    if result is None or start is None or end is None:
        raise RuntimeError(f"loadgen ended without a result (exit {proc.returncode})")
    result.update(cpu_s=end.cpu - start.cpu, rss_start_kib=start.rss, rss_end_kib=end.rss)
    return result
