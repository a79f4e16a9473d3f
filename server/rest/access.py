"""The outermost HTTP middleware: request id, access log line, metrics, work in flight.

Every log line written while a request is served carries its id (server/logs.py reads
the context variable set here); the client may propose one with `X-Request-ID` and gets
it back on every answer, streamed ones included. The access line names the route
template and never the query string, headers or body, so no token, password or message
text reaches the log.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Awaitable

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from .. import metrics
from ..drain import Drain
from ..logs import request_id_var
from .context import ACTOR, client_address

log = logging.getLogger("aurentia.access")

DRAIN = web.AppKey("drain", Drain)
REQUEST_ID = web.RequestKey("request_id", str)
SOCKET_IO_PREFIX = "/socket.io/"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_template(request: web.Request) -> str:
    """`/api/v1/orgs/{org}`, never the raw path: label values must stay a small set."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


@web.middleware
async def access_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    incoming = request.headers.get("X-Request-ID", "")
    request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
    request[REQUEST_ID] = request_id
    token = request_id_var.set(request_id)
    started = time.perf_counter()
    status = 500
    drain = request.app[DRAIN]
    try:
        with drain.track():
            response = await handler(request)
        status = response.status
        if drain.draining and not response.prepared:
            response.force_close()  # the client's next request goes to another process
        return response
    except BaseException as exc:
        status = exc.status if isinstance(exc, web.HTTPException) else 500
        raise
    finally:
        elapsed = time.perf_counter() - started
        method = request.method if request.method in _METHODS else "OTHER"
        route = route_template(request)
        metrics.http_requests.labels(method, route, str(status)).inc()
        metrics.http_request_seconds.labels(method, route).observe(elapsed)
        fields: dict[str, object] = {
            "method": method,
            "route": route,
            "path": request.path,
            "status": status,
            "duration_ms": round(elapsed * 1000, 2),
            "client": client_address(request),
        }
        if ACTOR in request:
            fields["user_id"] = str(request[ACTOR].user_id)
        log.info("request", extra={"fields": fields})
        request_id_var.reset(token)


def http_only(middleware: Middleware) -> Middleware:
    """`middleware` for every request but Socket.IO's, which go straight to the handler.

    A websocket lasts for hours, and a middleware awaiting its handler keeps its frame
    (with the request's locals) alive that long: about a kilobyte per middleware per idle
    connection. Socket.IO has its own ids, log lines, limits and CORS (server/realtime),
    and shutdown closes its transports itself (server/shutdown.py) rather than waiting.
    Returning the handler's awaitable, not awaiting it, leaves no frame behind.
    """

    @web.middleware
    def wrapped(request: web.Request, handler: Handler) -> Awaitable[web.StreamResponse]:
        if request.path.startswith(SOCKET_IO_PREFIX):
            return handler(request)
        return middleware(request, handler)

    return wrapped


async def _stamp_request_id(request: web.Request, response: web.StreamResponse) -> None:
    if REQUEST_ID in request:
        response.headers["X-Request-ID"] = request[REQUEST_ID]


def setup(app: web.Application, drain: Drain) -> None:
    app[DRAIN] = drain
    app.on_response_prepare.append(_stamp_request_id)
