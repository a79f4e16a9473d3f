"""Construction of the python-socketio server for the configured deployment shape."""

from __future__ import annotations

import socketio

from ..settings import Settings
from .cluster import ResilientRedisManager


def create_sio(settings: Settings) -> socketio.AsyncServer:
    """One process: the in-memory manager. With Redis: rooms and emits span processes.

    python-socketio >= 5.16.2 exchanges JSON, never pickles, on the Redis channel;
    faults are handled in cluster.py.
    """
    manager: socketio.AsyncManager | None = None
    if settings.redis_url:
        manager = ResilientRedisManager(settings.redis_url, channel="aurentia-sio")
    return socketio.AsyncServer(
        async_mode="aiohttp",
        client_manager=manager,
        cors_allowed_origins=settings.cors_allowed_origins or None,
        max_http_buffer_size=settings.max_socket_frame_bytes,
        logger=False,
        engineio_logger=False,
    )
