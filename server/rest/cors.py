"""CORS for the REST API: only the origins of `CORS_ALLOWED_ORIGINS`, never `*`.

A preflight from a listed origin is answered 204 with what it may send; from any other
origin it is refused (403 problem+json, no CORS headers, so the browser stops there).
Answers to listed origins carry `Access-Control-Allow-Origin` with that very origin,
streamed ones included. No credentials are allowed: the API takes bearer tokens, never
cookies. Socket.IO applies the same list itself (server/realtime/sio.py).
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from protocol.errors import ErrorCode

from ..keys import SETTINGS
from .access import SOCKET_IO_PREFIX
from .errors import problem_response

ALLOW_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE"
ALLOW_HEADERS = "Authorization, Content-Type, If-Match, Idempotency-Key, X-Request-ID"
EXPOSE_HEADERS = "ETag, Location, Retry-After, X-Request-ID, Content-Disposition"
PREFLIGHT_MAX_AGE = "600"


def _allowed_origin(request: web.Request) -> str | None:
    origin = request.headers.get("Origin")
    if origin is None or request.path.startswith(SOCKET_IO_PREFIX):
        return None
    return origin if origin in request.app[SETTINGS].cors_allowed_origins else None


def _is_preflight(request: web.Request) -> bool:
    return (
        request.method == "OPTIONS"
        and "Origin" in request.headers
        and "Access-Control-Request-Method" in request.headers
        and not request.path.startswith(SOCKET_IO_PREFIX)
    )


@web.middleware
async def cors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not _is_preflight(request):
        return await handler(request)
    origin = _allowed_origin(request)
    if origin is None:
        return problem_response(ErrorCode.FORBIDDEN, "this origin may not call the API")
    return web.Response(
        status=204,
        headers={
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": ALLOW_METHODS,
            "Access-Control-Allow-Headers": ALLOW_HEADERS,
            "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
            "Vary": "Origin",
        },
    )


async def _allow_origin(request: web.Request, response: web.StreamResponse) -> None:
    origin = _allowed_origin(request)
    if origin is not None:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
    if request.app[SETTINGS].cors_allowed_origins and not request.path.startswith(SOCKET_IO_PREFIX):
        response.headers["Vary"] = "Origin"  # a cache must not hand one origin's answer on


def setup(app: web.Application) -> None:
    app.on_response_prepare.append(_allow_origin)
