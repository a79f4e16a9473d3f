"""What every handler needs from a request: the services, the caller, its address.

Handlers take a `Context` after their request through `@handler`: the caller is
authenticated first (401 before anything else), then the organization's path parameter
is read (422 naming it when malformed), before the handler runs.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Handler

from ..actor import Actor
from ..auth.tokens import unauthorized
from ..keys import SERVICES, SETTINGS
from ..services.core import Services
from ..services.identity.auth import identify
from .json import path_uuid

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


class Context:
    """The request of an authenticated caller, with its organization's id."""

    __slots__ = ("_org_id", "caller", "request")

    def __init__(self, request: web.Request, caller: Actor, org_id: uuid.UUID | None) -> None:
        self.request = request
        self.caller = caller
        self._org_id = org_id

    @property
    def svc(self) -> Services:
        return services(self.request)

    @property
    def org_id(self) -> uuid.UUID:
        """The `{org}` path parameter (a route without one has no organization)."""
        assert self._org_id is not None, "route has no {org}"
        return self._org_id


ContextHandler = Callable[[web.Request, Context], Awaitable[web.StreamResponse]]


def handler(fn: ContextHandler) -> Handler:
    """An authenticated handler: its caller, then its `{org}` when the route has one.
    (Routes that only call a service are declared with server/rest/resource.py's `Serve`,
    whose handlers read the caller, `{org}` and `{project}` in the same order.)"""

    @functools.wraps(fn)
    async def run(request: web.Request) -> web.StreamResponse:
        caller = await actor(request)
        org_id = path_uuid(request, "org") if "org" in request.match_info else None
        return await fn(request, Context(request, caller, org_id))

    return run
