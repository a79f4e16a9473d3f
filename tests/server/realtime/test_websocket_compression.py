"""`WEBSOCKET_COMPRESSION`: permessage-deflate is refused by default (every socket.io-client
offers it; negotiated, it costs ~4x the memory of an idle connection) and accepted when set."""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.conftest import AppFactory

ServerFactory = Callable[[web.Application], Awaitable[TestServer]]


async def _handshake_headers(server: TestServer) -> dict[str, str]:
    """Open a websocket to the engine.io endpoint offering permessage-deflate, as
    socket.io-client's `ws` does, and return the 101 response's headers."""
    assert server.port is not None
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{server.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
        ).encode()
    )
    try:
        async with asyncio.timeout(10):
            head = await reader.readuntil(b"\r\n\r\n")
    finally:
        writer.close()
    status, *lines = head.decode().split("\r\n")
    assert " 101 " in status, status
    pairs = (line.split(":", 1) for line in lines if ":" in line)
    return {name.strip().lower(): value.strip() for name, value in pairs}


@pytest.mark.parametrize("enabled", [False, True])
async def test_permessage_deflate_is_negotiated_only_when_the_setting_is_on(
    enabled: bool, make_app: AppFactory, aiohttp_server: ServerFactory
) -> None:
    overrides = {"websocket_compression": True} if enabled else {}
    server = await aiohttp_server(make_app(**overrides))
    headers = await _handshake_headers(server)
    if enabled:
        assert headers["sec-websocket-extensions"].startswith("permessage-deflate")
    else:
        assert "sec-websocket-extensions" not in headers
