"""What every handler needs from a request: the services, the caller, its address."""

from __future__ import annotations

from aiohttp import web

from ..actor import Actor
from ..auth.tokens import unauthorized
from ..keys import SERVICES, SETTINGS
from ..services.core import Services
from ..services.identity.auth import identify

ACTOR = web.RequestKey("actor", Actor)


def services(request: web.Request) -> Services:
    return request.app[SERVICES]


def bearer_token(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("missing bearer token")
    return token.strip()


async def actor(request: web.Request) -> Actor:
    """The authenticated caller; computed once per request."""
    if ACTOR in request:
        return request[ACTOR]
    found = await identify(services(request), bearer_token(request))
    request[ACTOR] = found
    return found


def client_address(request: web.Request) -> str:
    """The caller's address: the peer's, or behind `TRUSTED_PROXY_HOPS` proxies the entry
    of `X-Forwarded-For` the outermost trusted proxy wrote (entries left of it are the
    client's own say and prove nothing)."""
    hops = request.app[SETTINGS].trusted_proxy_hops
    if hops:
        chain = [
            part.strip()
            for header in request.headers.getall("X-Forwarded-For", [])
            for part in header.split(",")
            if part.strip()
        ]
        if len(chain) >= hops:
            return chain[-hops]
    return request.remote or "unknown"
