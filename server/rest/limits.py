"""Request rates on the REST API: per client address and per user on every `/api/` route,
plus a stricter named limit on the routes that declare one with `@limited`.

Counts go through the shared `RateLimiter` (server/ratelimit.py): in Redis when it is
configured, so every process draws on the same budget. Past a limit the answer is 429
problem+json `rate_limited` with `Retry-After`. Login and registration keep their own
limits in the auth service (per email and per address). Probes and /metrics are exempt,
and Socket.IO has its own limits (events per socket, sockets per user).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

from aiohttp import web
from aiohttp.typedefs import Handler

from protocol.errors import AppError

from ..ratelimit import Limit
from ..services.core import Services
from ..settings import Settings
from .context import bearer_token, client_address, services

H = TypeVar("H", bound=Callable[..., Any])

_ATTR = "__rate_limit__"
MINUTE, HOUR = 60, 3600


class Named(StrEnum):
    """Costly or abusable actions with a budget of their own, per user."""

    INVITATIONS = "invitations"
    EXPORTS = "exports"


def named_limit(name: Named, settings: Settings) -> Limit:
    if name is Named.INVITATIONS:
        return Limit("invitations", settings.invitations_per_hour_per_user, HOUR)
    return Limit("exports", settings.exports_per_minute_per_user, MINUTE)


def limited(name: Named) -> Callable[[H], H]:
    """Mark a handler as drawing on the named budget as well as the general ones."""

    def mark(handler: H) -> H:
        setattr(handler, _ATTR, name)
        return handler

    return mark


def _user_key(svc: Services, request: web.Request) -> str | None:
    """Who the bearer token names (signature checked), without a database round trip;
    None when there is no valid token (the handler then answers 401)."""
    try:
        claims = svc.tokens.verify(bearer_token(request))
    except AppError:
        return None
    if claims.user_id is not None:
        return str(claims.user_id)
    return f"ext:{claims.external_subject}"


@web.middleware
async def rate_limit_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith("/api/"):
        return await handler(request)
    svc = services(request)
    settings = svc.settings
    address = client_address(request)
    await svc.limiter.hit(
        Limit("http-address", settings.http_requests_per_minute_per_address, MINUTE), address
    )
    user = _user_key(svc, request)
    if user is not None:
        await svc.limiter.hit(
            Limit("http-user", settings.http_requests_per_minute_per_user, MINUTE), user
        )
    name = getattr(request.match_info.handler, _ATTR, None)
    if isinstance(name, Named):
        await svc.limiter.hit(named_limit(name, settings), user or f"addr:{address}")
    return await handler(request)
