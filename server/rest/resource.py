"""The REST side of a resource, written once: `mount(routes, spec)` adds its list, create,
read, update and delete routes, each with its `@api` contract, from one `Rest` spec; a
`Serve` adds any other route that only reads its inputs, calls one service function and
answers what it returns.

`/things` lists (keyset pages, the query model's filters) and creates (201);
`/things/{id}` (or the spec's `key`) reads, updates (PATCH) and deletes (204). A
generated handler authenticates the caller first (401 before anything else; `path_first`
routes excepted), then reads the organization, the project and the other path ids in
the order of the path (422 naming a malformed one). Each generated handler records what it parses
(`Parses`): the very models it validates requests with, which
`tests/server/rest/test_openapi.py` compares with the document. A route whose behaviour
neither can express stays hand-written next to them.
"""

from __future__ import annotations

import functools
import sys
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from pydantic import BaseModel

from protocol import chat
from protocol.common import Page
from protocol.enums import ChannelType

from .context import actor, client_address, services
from .etag import etag_headers, expected_version
from .idempotency import HEADER as IDEMPOTENCY_KEY
from .idempotency import IDEMPOTENCY_DOC, idempotency_key
from .json import invalid, json_response, parse_body, parse_query, path_uuid, read_body
from .limits import Named, limited
from .openapi import PATH_PARAM, api

Model = type[BaseModel]
Call = Callable[..., Awaitable[Any]]
_HEADERS = {"If-Match": "the ETag last read; a stale one is answered 412", **IDEMPOTENCY_DOC}
_PARSES = "__parses__"
# The path parameters a route's scope is made of, passed first to the service.
_SCOPE = ("org", "project")
# A channel of the organization, passed to the service in the organization's place.
CHANNEL = "{type}/{id}"


def path_channel(request: web.Request, org_id: uuid.UUID) -> chat.ChannelRef:
    """The channel named by the `{type}/{id}` of the path."""
    try:
        kind = ChannelType(request.match_info["type"])
    except ValueError:
        raise invalid(["path", "type"], "organization, project, group or direct") from None
    return chat.ChannelRef(type=kind, id=path_uuid(request, "id"), organization_id=org_id)


@dataclass(frozen=True)
class Parses:
    """What a generated handler reads from its request, beyond its scope: its body or
    query model, the UUID path parameters, the request headers; and the statuses it
    answers with. The handler runs with these very values."""

    body: Model | None = None
    query: Model | None = None
    path: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    status: int = 200
    body_required: bool = True


def parses_of(handler: object) -> Parses | None:
    found = getattr(handler, _PARSES, None)
    return found if isinstance(found, Parses) else None


@dataclass(frozen=True)
class Op:
    """One generated route: its summary, the errors its service answers beyond those the
    plumbing implies, its description, and the service call when not the spec's own."""

    summary: str
    errors: Sequence[int] = ()
    doc: str | None = None
    call: Call | None = None


@dataclass(frozen=True)
class Rest:
    """A resource's routes. `service` answers `page/create/read/update/delete(svc,
    caller, org_id[, project_id][, id][, query or body])` (a `ProjectResource` does);
    an `Op.call` replaces one of them. `noun` names the handlers (`list_<noun>s`,
    `create_<noun>`, `get_<noun>`, `patch_<noun>`, `delete_<noun>`): their operationIds.
    With `etag`, reads and writes answer the version as `ETag` and a PATCH honours
    `If-Match` (the service takes the expected version last)."""

    path: str
    noun: str
    out: Model
    tags: Sequence[str]
    service: Any = None
    query: Model | None = None
    body: Model | None = None
    patch_body: Model | None = None
    page: Op | None = None
    create: Op | None = None
    read: Op | None = None
    update: Op | None = None
    delete: Op | None = None
    etag: bool = False
    key: str = "id"  # the item's path parameter: `{path}/{key}`
    by_project: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_project", "{project}" in self.path)
        for op, model in ((self.page, self.query), (self.create, self.body)):
            assert op is None or model is not None, f"{self.noun}: {op} needs its model"
        assert self.update is None or self.patch_body is not None, f"{self.noun}: patch_body"


def record(run: Handler, name: str, module: str, doc: str | None, p: Parses) -> Handler:
    """Name a generated handler (its operationId), give it its module and description,
    and record what it parses."""
    run.__name__ = run.__qualname__ = name
    run.__module__, run.__doc__ = module, doc
    setattr(run, _PARSES, p)
    return run


@dataclass(frozen=True)
class How:
    """How a generated handler runs beyond what it parses: `versioned`, the answer's
    version is its `ETag`; `path_first`, the path's ids are read before the caller is
    authenticated; `auth=False`, no caller at all; `address`, the client's address is
    passed last; `answer`, answered instead of what the service returns; `created`, the
    service returns `(out, created)`, answered 201 when created and 200 otherwise. With an
    `Idempotency-Key` header parsed, the service takes the key last and returns `(status,
    out)`."""

    versioned: bool = False
    path_first: bool = False
    auth: bool = True
    address: bool = False
    answer: BaseModel | None = None
    created: bool = False


def _handler(call: Call, path: str, p: Parses, how: How) -> Handler:
    """A handler that authenticates, reads the scope and `p.path` ids (before the caller
    with `how.path_first`), then `If-Match` or `Idempotency-Key`, then the query, the
    channel of a `{type}/{id}` path, the body (a body that may be left out is the model's
    defaults when empty); calls the service
    with the caller and those in that order, and answers `p.status`."""
    names = (*(n for n in _SCOPE if f"{{{n}}}" in path), *p.path)

    async def run(request: web.Request) -> web.StreamResponse:
        ids = [path_uuid(request, name) for name in names] if how.path_first else []
        caller = [await actor(request)] if how.auth else []
        args: list[Any] = ids or [path_uuid(request, name) for name in names]
        version = [expected_version(request)] if "If-Match" in p.headers else []
        key = [idempotency_key(request)] if IDEMPOTENCY_KEY in p.headers else []
        if p.query is not None:
            args.append(parse_query(request, p.query))
        if CHANNEL in path:
            args[0] = path_channel(request, args[0])
        if p.body is not None and (p.body_required or await read_body(request)):
            args.append(await parse_body(request, p.body))
        elif p.body is not None:
            args.append(p.body())
        address = [client_address(request)] if how.address else []
        out = await call(services(request), *caller, *args, *version, *key, *address)
        status = p.status
        if IDEMPOTENCY_KEY in p.headers:  # a replay answers the first status again
            status, out = out
        elif how.created:
            out, made = out
            status = 201 if made else 200
        if status == 204:
            return web.Response(status=204)
        headers = etag_headers(out.version) if how.versioned else None
        answer = out if how.answer is None else how.answer
        return json_response(answer, status=status, headers=headers)

    return run


def mount(routes: web.RouteTableDef, spec: Rest) -> None:
    """Add `spec`'s routes to `routes`, in the order list, create, read, update, delete
    (a bespoke route that must match first, such as `/{id}.pdf`, is declared before).
    The handlers belong to the module that mounts them (the operationId's prefix when two
    modules name a handler alike)."""
    serve = Serve(routes, spec.tags)
    serve.module = sys._getframe(1).f_globals["__name__"]
    noun, item, out = spec.noun, f"{spec.path}/{{{spec.key}}}", spec.out

    def add(verb: str, method: str, path: str, name: str, **given: Any) -> None:
        op: Op | None = getattr(spec, verb)
        if op is not None:
            call = op.call or getattr(spec.service, verb)
            etag = spec.etag and verb != "page"
            serve.route(method, path, replace(op, call=call), name=name, etag=etag, **given)

    page: Model = Page[out]  # type: ignore[valid-type]
    add("page", "GET", spec.path, f"list_{noun}s", query=spec.query, out=page)
    add("create", "POST", spec.path, f"create_{noun}", body=spec.body, out=out, status=201)
    add("read", "GET", item, f"get_{noun}", out=out)
    add("update", "PATCH", item, f"patch_{noun}", body=spec.patch_body, out=out, if_match=spec.etag)
    add("delete", "DELETE", item, f"delete_{noun}")


class Serve:
    """One module's routes that each call one service function: `Serve(routes, tags)`,
    then `.get(path, Op(summary, errors, doc, call=service_function), out=Model)` and
    likewise `.post`, `.put`, `.patch`, `.delete`.

    The service is called with the services, the caller, the path's ids in order
    (`{org}`, `{project}`, then the others; the organization's channel a `{type}/{id}`
    names, as one `ChannelRef`, in `{org}`'s place), the query or body, then the expected
    version (`if_match`) or the `Idempotency-Key` (`idempotent`); what it returns is the
    answer, with `status` (default: 200, or 204 and no answer without an `out` model).
    The handler is named after the service function unless `name` says otherwise; `limit`
    draws on a named rate limit; `tags` replace the module's; `etag`, `path_first`,
    `auth`, `address`, `answer` and `created` are those of `How` (`path_first`: the
    module's unless given)."""

    def __init__(
        self, routes: web.RouteTableDef, tags: Sequence[str], *, path_first: bool = False
    ) -> None:
        self.routes, self.tags, self.path_first = routes, tags, path_first
        self.module = sys._getframe(1).f_globals["__name__"]

    def route(
        self,
        method: str,
        path: str,
        op: Op,
        *,
        out: Model | None = None,
        body: Model | None = None,
        query: Model | None = None,
        status: int | None = None,
        name: str | None = None,
        etag: bool = False,
        if_match: bool = False,
        body_required: bool = True,
        limit: Named | None = None,
        path_first: bool | None = None,
        tags: Sequence[str] | None = None,
        auth: bool = True,
        address: bool = False,
        answer: BaseModel | None = None,
        created: bool = False,
        idempotent: bool = False,
    ) -> None:
        assert op.call is not None, f"{method} {path}: Op(call=...)"
        channel = ("type", "id") if CHANNEL in path else ()
        ids = tuple(n for n in PATH_PARAM.findall(path) if n not in (*_SCOPE, *channel))
        headers = ("If-Match",) * if_match + (IDEMPOTENCY_KEY,) * idempotent
        status = status or (200 if out else 204)
        path_first = self.path_first if path_first is None else path_first
        p = Parses(body, query, ids, headers, status, body_required)
        how = How(etag, path_first, auth, address, answer, created)
        name = name or op.call.__name__
        run = record(_handler(op.call, path, p, how), name, self.module, op.doc, p)
        if limit is not None:
            run = limited(limit)(run)
        document = api(
            op.summary,
            tags=tags or self.tags,
            auth=auth,
            body=body,
            body_required=body_required,
            query=query,
            response=out,
            status=status,
            responses={201 if status == 200 else 200: out} if created else None,
            errors=op.errors,
            headers={h: _HEADERS[h] for h in headers} or None,
            path={"type": ChannelType} if CHANNEL in path else None,
        )
        self.routes.route(method, path)(document(run))

    get = functools.partialmethod(route, "GET")
    post = functools.partialmethod(route, "POST")
    put = functools.partialmethod(route, "PUT")
    patch = functools.partialmethod(route, "PATCH")
    delete = functools.partialmethod(route, "DELETE")
