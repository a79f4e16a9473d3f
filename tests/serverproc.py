"""Real `aurentia serve` processes for tests that need several processes or signals.

Each process runs `python -m server.cli serve` on a free loopback port with the test's
database and Redis; its stderr goes to a file the test can read when something fails.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import aiohttp
from yarl import URL

from .conftest import TEST_JWT_SECRET, TEST_REDIS_NAMESPACE, pooled_settings
from .factories import SERVER_DATABASES

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """One server process; `url` is its base address once `start` has returned."""

    def __init__(self, database_url: str, redis_url: str | None, **env: object) -> None:
        self.database_url = database_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        SERVER_DATABASES[self.url] = database_url
        self._env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "JWT_SECRET": TEST_JWT_SECRET,
            "REDIS_NAMESPACE": TEST_REDIS_NAMESPACE,
            "AUTO_MIGRATE": "false",
            "ARGON2_TIME_COST": "1",
            "ARGON2_MEMORY_KIB": "8",
            "ARGON2_PARALLELISM": "1",
            "LOGIN_ATTEMPTS_PER_MINUTE_PER_ADDRESS": "10000",
            "REGISTRATIONS_PER_HOUR_PER_ADDRESS": "10000",
            "HTTP_REQUESTS_PER_MINUTE_PER_ADDRESS": "1000000",
            "HTTP_REQUESTS_PER_MINUTE_PER_USER": "100000",
            "ANALYTICS_JOB_ENABLED": "false",
            "PASSWORD_RESETS_PER_HOUR_PER_ADDRESS": "10000",
            # As the in-process test servers (tests/conftest.py): presence told at once.
            "PRESENCE_COALESCE_SECONDS": "0",
            # Mails (no SMTP in tests) are written here, never into the working tree.
            "MAIL_OUTBOX_DIR": tempfile.mkdtemp(prefix="aurentia-mail-"),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        self._env.update({k.upper(): v for k, v in pooled_settings(database_url).items()})
        self._env.pop("REDIS_URL", None)
        if redis_url:
            self._env["REDIS_URL"] = redis_url
        self._env.update({k.upper(): str(v) for k, v in env.items()})
        self._log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed by stop()
            prefix="aurentia-proc-", suffix=".log", delete=False
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def make_url(self, path: str = "/") -> URL:
        """Like aiohttp's `TestServer.make_url`, so `tests/sio.py` peers connect here too."""
        return URL(self.url).join(URL(path))

    def http(self) -> aiohttp.ClientSession:
        """A session on this process taking relative paths, like the `http` fixture
        (close it when done)."""
        return aiohttp.ClientSession(base_url=self.url)

    @property
    def log_path(self) -> str:
        return self._log.name

    def log_text(self) -> str:
        return Path(self._log.name).read_text(errors="replace")

    async def start(self, timeout: float = 30.0) -> ServerProcess:
        self.proc = subprocess.Popen(  # noqa: ASYNC220 - Popen returns at once
            [sys.executable, "-m", "server.cli", "serve", "--port", str(self.port)],
            cwd=ROOT,
            env=self._env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = asyncio.get_running_loop().time() + timeout
        async with aiohttp.ClientSession() as session:
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"server exited at start-up:\n{self.log_text()}")
                try:
                    async with session.get(f"{self.url}/healthz") as resp:
                        if resp.status == 200:
                            return self
                except aiohttp.ClientError:
                    pass
                if asyncio.get_running_loop().time() > deadline:
                    raise RuntimeError(f"server did not answer in {timeout}s:\n{self.log_text()}")
                await asyncio.sleep(0.1)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: the process dies without cleaning anything up."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def terminate(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    async def wait(self, timeout: float = 30.0) -> int:
        assert self.proc is not None
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self.proc.wait, timeout)

    def stop(self) -> None:
        """Test teardown: whatever state the process is in, leave none behind."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()
        Path(self._log.name).unlink(missing_ok=True)


async def start_servers(
    database_url: str, redis_url: str | None, count: int, **env: object
) -> list[ServerProcess]:
    procs = [ServerProcess(database_url, redis_url, **env) for _ in range(count)]
    try:
        await asyncio.gather(*(p.start() for p in procs))
    except BaseException:
        for p in procs:
            p.stop()
        raise
    return procs


__all__ = ["ServerProcess", "free_port", "start_servers"]
