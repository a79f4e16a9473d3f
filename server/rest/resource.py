"""The REST side of a resource, written once: `mount(routes, spec)` adds its list, create,
read, update and delete routes, each with its `@api` contract, from one `Rest` spec.

`/things` lists (keyset pages, the query model's filters) and creates (201);
`/things/{id}` reads, updates (PATCH) and deletes (204). A route under
`.../projects/{project}` is a `@project_handler`, any other a `@handler`, so the caller,
the organization and the project are checked as for a hand-written handler. Each
generated handler records what it parses (`Parses`): the very models it validates
requests with, which `tests/server/rest/test_openapi.py` compares with the document.
A route whose behaviour the spec cannot express stays hand-written next to the mount.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from protocol.common import Page

from .context import Context, ContextHandler, Handler, handler, project_handler
from .etag import etag_headers, expected_version
from .json import json_response, parse_body, parse_query, path_uuid
from .openapi import api

Model = type[BaseModel]
Call = Callable[..., Awaitable[Any]]
IF_MATCH = {"If-Match": "the ETag last read; a stale one is answered 412"}
_PARSES = "__parses__"


@dataclass(frozen=True)
class Parses:
    """What a generated handler reads from its request, beyond its context: its body or
    query model, the UUID path parameters, the request headers; and the statuses it
    answers with. The handler runs with these very values."""

    body: Model | None = None
    query: Model | None = None
    path: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    status: int = 200


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
    by_project: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_project", "{project}" in self.path)

    def call(self, op: Op, method: str) -> Call:
        found: Call = op.call or getattr(self.service, method)
        return found


def _scope(spec: Rest, ctx: Context) -> tuple[Any, ...]:
    return (ctx.org_id, ctx.project_id) if spec.by_project else (ctx.org_id,)


def _answer(spec: Rest, out: Any, status: int) -> web.Response:
    headers = etag_headers(out.version) if spec.etag else None
    return json_response(out, status=status, headers=headers)


def _page(spec: Rest, call: Call, p: Parses) -> ContextHandler:
    async def run(request: web.Request, ctx: Context) -> web.StreamResponse:
        assert p.query is not None
        query = parse_query(request, p.query)
        return json_response(await call(ctx.svc, ctx.caller, *_scope(spec, ctx), query))

    return run


def _create(spec: Rest, call: Call, p: Parses) -> ContextHandler:
    async def run(request: web.Request, ctx: Context) -> web.StreamResponse:
        assert p.body is not None
        req = await parse_body(request, p.body)
        out = await call(ctx.svc, ctx.caller, *_scope(spec, ctx), req)
        return _answer(spec, out, p.status)

    return run


def _read(spec: Rest, call: Call, p: Parses) -> ContextHandler:
    async def run(request: web.Request, ctx: Context) -> web.StreamResponse:
        ids = [path_uuid(request, name) for name in p.path]
        out = await call(ctx.svc, ctx.caller, *_scope(spec, ctx), *ids)
        return _answer(spec, out, p.status)

    return run


def _update(spec: Rest, call: Call, p: Parses) -> ContextHandler:
    async def run(request: web.Request, ctx: Context) -> web.StreamResponse:
        assert p.body is not None
        ids = [path_uuid(request, name) for name in p.path]
        version = [expected_version(request)] if "If-Match" in p.headers else []
        patch = await parse_body(request, p.body)
        out = await call(ctx.svc, ctx.caller, *_scope(spec, ctx), *ids, patch, *version)
        return _answer(spec, out, p.status)

    return run


def _delete(spec: Rest, call: Call, p: Parses) -> ContextHandler:
    async def run(request: web.Request, ctx: Context) -> web.StreamResponse:
        ids = [path_uuid(request, name) for name in p.path]
        await call(ctx.svc, ctx.caller, *_scope(spec, ctx), *ids)
        return web.Response(status=p.status)

    return run


def _add(
    routes: web.RouteTableDef,
    spec: Rest,
    module: str,
    route: tuple[str, str, str],
    op: Op,
    handle: ContextHandler,
    p: Parses,
    response: Model | None,
) -> None:
    method, path, name = route
    handle.__name__ = handle.__qualname__ = name
    handle.__module__, handle.__doc__ = module, op.doc
    run: Handler = (project_handler if spec.by_project else handler)(handle)
    setattr(run, _PARSES, p)
    document = api(
        op.summary,
        tags=spec.tags,
        body=p.body,
        query=p.query,
        response=response,
        status=p.status,
        errors=op.errors,
        headers={h: IF_MATCH[h] for h in p.headers} or None,
    )
    routes.route(method, path)(document(run))


def mount(routes: web.RouteTableDef, spec: Rest) -> None:
    """Add `spec`'s routes to `routes`, in the order list, create, read, update, delete
    (a bespoke route that must match first, such as `/{id}.pdf`, is declared before).
    The handlers belong to the module that mounts them (the operationId's prefix when two
    modules name a handler alike)."""
    module = sys._getframe(1).f_globals["__name__"]
    noun, item, out = spec.noun, spec.path + "/{id}", spec.out
    one = ("id",)
    if_match = ("If-Match",) if spec.etag else ()
    if op := spec.page:
        p = Parses(query=spec.query)
        route = ("GET", spec.path, f"list_{noun}s")
        page = Page[out]  # type: ignore[valid-type]
        _add(routes, spec, module, route, op, _page(spec, spec.call(op, "page"), p), p, page)
    if op := spec.create:
        p = Parses(body=spec.body, status=201)
        route = ("POST", spec.path, f"create_{noun}")
        _add(routes, spec, module, route, op, _create(spec, spec.call(op, "create"), p), p, out)
    if op := spec.read:
        p = Parses(path=one)
        route = ("GET", item, f"get_{noun}")
        _add(routes, spec, module, route, op, _read(spec, spec.call(op, "read"), p), p, out)
    if op := spec.update:
        p = Parses(body=spec.patch_body, path=one, headers=if_match)
        route = ("PATCH", item, f"patch_{noun}")
        _add(routes, spec, module, route, op, _update(spec, spec.call(op, "update"), p), p, out)
    if op := spec.delete:
        p = Parses(path=one, status=204)
        route = ("DELETE", item, f"delete_{noun}")
        _add(routes, spec, module, route, op, _delete(spec, spec.call(op, "delete"), p), p, None)
