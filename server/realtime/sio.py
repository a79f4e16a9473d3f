"""Construction of the python-socketio server for the configured deployment shape."""

from __future__ import annotations

import socketio

from ..settings import Settings
from .cluster import ResilientRedisManager
from .fanout import with_fast_fanout
from .packets import JsonPacket
from .polling import SocketServer


def create_sio(settings: Settings) -> socketio.AsyncServer:
    """One process: the in-memory manager. With Redis: rooms and emits span processes.

    python-socketio >= 5.16.2 exchanges JSON, never pickles, on the Redis channel;
    faults are handled in cluster.py. With `fast_fanout`, emits take the path of
    server/realtime/fanout.py; oversized polling POSTs are refused in polling.py.
    """
    manager: socketio.AsyncManager | None = None
    if settings.redis_url:
        redis_manager: type[ResilientRedisManager] = ResilientRedisManager
        if settings.fast_fanout:
            redis_manager = with_fast_fanout(redis_manager)
        manager = redis_manager(settings.redis_url, channel=f"{settings.redis_namespace}-sio")
    elif settings.fast_fanout:
        manager = with_fast_fanout(socketio.AsyncManager)()
    return SocketServer(
        websocket_compression=settings.websocket_compression,
        async_mode="aiohttp",
        serializer=JsonPacket,
        client_manager=manager,
        cors_allowed_origins=settings.cors_allowed_origins or None,
        max_http_buffer_size=settings.max_socket_frame_bytes,
        logger=False,
        engineio_logger=False,
    )
