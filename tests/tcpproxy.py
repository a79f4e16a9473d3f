"""A loopback TCP proxy the tests own, to cut a server process off Redis or PostgreSQL
without touching the real services (other test runs share them).

`cut()` aborts every open connection and, until `restore()`, resets each new one at
once, as a dead or unreachable service would look to the server.
"""

from __future__ import annotations

import asyncio
import contextlib

from sqlalchemy.engine import make_url

from .serverproc import free_port


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self.cut_off = False
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self._pumps: set[asyncio.Task[None]] = set()

    async def start(self) -> TcpProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        return self

    def url_for(self, url: str) -> str:
        """`url` (a database or Redis URL of the target) rewritten to go through here."""
        if url.startswith(("redis://", "rediss://")):
            scheme, rest = url.split("://", 1)
            where, _, path = rest.partition("/")
            credentials = where.rpartition("@")[0]
            at = f"{credentials}@" if credentials else ""
            return f"{scheme}://{at}127.0.0.1:{self.port}/{path or '0'}"
        parsed = make_url(url).set(host="127.0.0.1", port=self.port)
        return parsed.render_as_string(hide_password=False)

    def cut(self) -> None:
        self.cut_off = True
        for writer in list(self._open):
            _abort(writer)
        self._open.clear()

    def restore(self) -> None:
        self.cut_off = False

    async def close(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._pumps):
            task.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.cut_off:
            _abort(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            _abort(writer)
            return
        if self.cut_off:
            _abort(writer)
            _abort(up_writer)
            return
        self._open.update((writer, up_writer))
        for src, dst in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pump(src, dst, (writer, up_writer)))
            self._pumps.add(task)
            task.add_done_callback(self._pumps.discard)

    async def _pump(
        self,
        src: asyncio.StreamReader,
        dst: asyncio.StreamWriter,
        pair: tuple[asyncio.StreamWriter, asyncio.StreamWriter],
    ) -> None:
        try:
            while data := await src.read(65536):
                dst.write(data)
                await dst.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            for writer in pair:
                self._open.discard(writer)
                _abort(writer)


def _abort(writer: asyncio.StreamWriter) -> None:
    """Close with a reset, as a crashed peer does, rather than a polite FIN."""
    with contextlib.suppress(Exception):
        writer.transport.abort()


async def proxy_to(url: str) -> TcpProxy:
    """A started proxy in front of the service `url` names (Redis or PostgreSQL)."""
    if url.startswith(("redis://", "rediss://")):
        hostport = url.split("://", 1)[1].split("/", 1)[0].rsplit("@", 1)[-1]
        host, _, port = hostport.partition(":")
        return await TcpProxy(host or "127.0.0.1", int(port or 6379)).start()
    parsed = make_url(url)
    return await TcpProxy(parsed.host or "127.0.0.1", parsed.port or 5432).start()
