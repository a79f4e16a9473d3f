"""The REST side of a resource, written once: `mount(routes, spec)` adds its list, create,
read, update and delete routes, each with its `@api` contract, from one `Rest` spec.

`/things` lists (keyset pages, the query model's filters) and creates (201);
`/things/{id}` (or the spec's `key`) reads, updates (PATCH) and deletes (204). A route under
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
    key: str = "id"  # the item's path parameter: `{path}/{key}`
    by_project: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_project", "{project}" in self.path)
        for op, model in ((self.page, self.query), (self.create, self.body)):
            assert op is None or model is not None, f"{self.noun}: {op} needs its model"
        assert self.update is None or self.patch_body is not None, f"{self.noun}: patch_body"


def _handler(spec: Rest, call: Call, p: Parses) -> ContextHandler:
    """A handler that reads what `p` says (path ids, then `If-Match`, then the query or
    body), calls the service with the caller's scope first, and answers `p.status`; a
    single row (not a page) carries its version as `ETag` when the spec says so."""
    versioned = spec.etag and p.query is None

    async def run(request: web.Request, ctx: Context) -> web.StreamResponse:
        scope = (ctx.org_id, ctx.project_id) if spec.by_project else (ctx.org_id,)
        args: list[Any] = [path_uuid(request, name) for name in p.path]
        version = [expected_version(request)] if "If-Match" in p.headers else []
        if p.query is not None:
            args.append(parse_query(request, p.query))
        if p.body is not None:
            args.append(await parse_body(request, p.body))
        out = await call(ctx.svc, ctx.caller, *scope, *args, *version)
        if p.status == 204:
            return web.Response(status=204)
        headers = etag_headers(out.version) if versioned else None
        return json_response(out, status=p.status, headers=headers)

    return run


def _add(
    routes: web.RouteTableDef,
    spec: Rest,
    module: str,
    route: tuple[str, str, str, str],
    op: Op,
    p: Parses,
    response: Model | None,
) -> None:
    method, path, name, verb = route
    handle = _handler(spec, op.call or getattr(spec.service, verb), p)
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
    noun, item, out = spec.noun, f"{spec.path}/{{{spec.key}}}", spec.out
    if_match = ("If-Match",) if spec.etag else ()
    one = (spec.key,)
    generated = [
        (spec.page, ("GET", spec.path, f"list_{noun}s", "page"), Parses(query=spec.query)),
        (
            spec.create,
            ("POST", spec.path, f"create_{noun}", "create"),
            Parses(spec.body, status=201),
        ),
        (spec.read, ("GET", item, f"get_{noun}", "read"), Parses(path=one)),
        (
            spec.update,
            ("PATCH", item, f"patch_{noun}", "update"),
            Parses(spec.patch_body, path=one, headers=if_match),
        ),
        (
            spec.delete,
            ("DELETE", item, f"delete_{noun}", "delete"),
            Parses(path=one, status=204),
        ),
    ]
    page: Model = Page[out]  # type: ignore[valid-type]
    for op, route, p in generated:
        if op is not None:
            response = None if p.status == 204 else page if p.query else out
            _add(routes, spec, module, route, op, p, response)
