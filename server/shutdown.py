"""Graceful stop on SIGTERM, within `SHUTDOWN_TIMEOUT_SECONDS`.

1. Stop listening: new connections go to the other processes (or wait for the restart).
2. Refuse new Socket.IO events (`unavailable`, retry after reconnecting) and let the
   HTTP requests and events already started answer.
3. Close every socket's transport *without* a disconnect packet. socket.io-client (and
   python-socketio's client) treat a server's disconnect packet as final and stay
   offline, but a lost transport as a network failure: they reconnect by themselves,
   through the load balancer, to a process that is up.
4. Presence: the users of this process get the grace period to reappear through another
   process; the rest go offline now; last_seen is written for all.
5. aiohttp's own cleanup: anything still running is cancelled, resources are closed.
"""

from __future__ import annotations

import asyncio
import logging

import socketio
from aiohttp import web

from .keys import PRESENCE, SIO
from .rest.access import DRAIN

log = logging.getLogger("aurentia")

# What aiohttp gives handlers still running at the end (twice: wait, then cancel).
FORCE_CLOSE_SECONDS = 1.0


async def close_transports(sio: socketio.AsyncServer) -> int:
    """Close this process's engine.io connections the way a network failure would.

    `socket.close(abort=True)` runs the disconnect handlers without sending engine.io's
    CLOSE packet; the `None` sentinel then ends engine.io's websocket writer, which
    flushes what is queued (acks included) and closes the websocket.
    """
    eio = sio.eio
    sockets = list(eio.sockets.values())
    for socket in sockets:
        await socket.close(wait=False, abort=True, reason=eio.reason.SERVER_DISCONNECT)
        await socket.queue.put(None)
    return len(sockets)


async def graceful_stop(runner: web.AppRunner, app: web.Application, timeout: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    # Kept back from the in-flight wait for the presence hand-over.
    reserve = min(timeout / 4, 2.0)

    def left() -> float:
        return max(deadline - loop.time(), 0.0)

    drain = app[DRAIN]
    drain.begin()
    for site in list(runner.sites):
        await site.stop()
    log.info("shutting down", extra={"fields": {"in_flight": drain.in_flight}})
    if not await drain.wait_idle(left() - reserve):
        fields = {"in_flight": drain.in_flight}
        log.warning("shutdown deadline: work still in flight", extra={"fields": fields})
    here = app[PRESENCE].local_users()
    closed = await close_transports(app[SIO])
    await app[SIO].shutdown()
    try:
        # The grace wait ends early enough for the offline announcements to be written.
        flush = app[PRESENCE].flush(here, left() - min(reserve, left() / 2))
        await asyncio.wait_for(flush, timeout=left())
    except Exception:
        log.exception("presence flush failed at shutdown")
    await runner.cleanup()
    log.info(
        "stopped",
        extra={"fields": {"sockets_closed": closed, "seconds": round(timeout - left(), 2)}},
    )
