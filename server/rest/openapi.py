"""The served API description: `GET /api/v1/openapi.json` (OpenAPI 3.1) and `GET /docs`.

Handlers declare what they take and answer with `@api(...)`; the document is built from
that metadata and from the very pydantic models that validate requests, so it cannot
drift from the code: a route without `@api` is missing from it, and a test fails.
`/docs` (server/rest/docs.py) renders it for people.
"""

from __future__ import annotations

import importlib.metadata
import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

import orjson
from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, models_json_schema
from pydantic_core import core_schema

from protocol.errors import HTTP_STATUS, TITLES, Problem

from . import docs

OPENAPI_PATH = "/api/v1/openapi.json"
JSON = "application/json"
PROBLEM = "application/problem+json"
SECURITY_SCHEME = "bearerAuth"
_ATTR = "__openapi__"
_REF = "#/components/schemas/{model}"
PATH_PARAM = re.compile(r"\{([^}:]+)\}")
_STATUS_CODE = {status: code for code, status in HTTP_STATUS.items()}

Model = type[BaseModel]
# Request headers whose form is fixed here (server/rest/etag.py); others are any string
# unless the handler passes a `Header` with its own schema.
_HEADER_SCHEMAS: dict[str, dict[str, Any]] = {
    "If-Match": {"type": "string", "pattern": '^(W/)?"[0-9]+"$'},
}
# (model, mode) -> {"$ref": ...}, as pydantic's `models_json_schema` answers.
Refs = dict[tuple[Any, JsonSchemaMode], dict[str, Any]]
H = TypeVar("H", bound=Callable[..., Any])


@dataclass(frozen=True)
class Header:
    """An optional request header: what it means and, when known, its JSON schema."""

    description: str
    schema: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Operation:
    """What one handler takes and answers; read by the generator, never by the handler."""

    summary: str
    tags: tuple[str, ...]
    auth: bool
    body: Model | None
    body_required: bool
    query: Model | None
    path: Mapping[str, type[Enum]]
    responses: Mapping[int, Model | None]
    errors: frozenset[int]
    content_type: str
    headers: Mapping[str, Header]
    description: str | None = None
    # A multipart/form-data body with one binary `file` part (streamed by the handler).
    upload: bool = False

    def error_statuses(self, has_path_params: bool) -> list[int]:
        """Declared errors plus the ones the plumbing itself can answer."""
        implied = set(self.errors)
        if self.auth:
            implied.add(401)
        if has_path_params:
            implied.update((404, 422))  # a missing or foreign resource; a malformed id
        if self.body is not None or self.query is not None:
            implied.add(422)
        if self.body is not None or self.upload:
            # undecodable, too large, wrong coding or charset, invalid
            implied.update((400, 413, 415, 422))
        return sorted(implied)


def api(
    summary: str,
    *,
    tags: Iterable[str],
    auth: bool = True,
    body: Model | None = None,
    body_required: bool = True,
    query: Model | None = None,
    response: Model | None = None,
    status: int = 200,
    responses: Mapping[int, Model | None] | None = None,
    errors: Iterable[int] = (),
    path: Mapping[str, type[Enum]] | None = None,
    content_type: str = JSON,
    headers: Mapping[str, str | Header] | None = None,
    upload: bool = False,
) -> Callable[[H], H]:
    """Record a handler's contract; the handler itself is returned unchanged.

    `response` is the body answered with `status` (None: no body, or text when
    `content_type` is not JSON); `responses` adds other success answers. `errors` lists
    the problem+json statuses the service can answer; 401 (auth), 404 (path parameters),
    400, 413 and 415 (body: server/rest/json.py `read_body`) and 422 (body, query or path
    parameters) are implied. Path parameters
    are UUIDs unless `path` names an enum for them. `headers` documents optional request
    headers (a description, or a `Header` with a schema). `upload`: the body is
    multipart/form-data with one binary `file` part.
    """
    error_statuses = frozenset(errors)
    if unknown := sorted(error_statuses - _STATUS_CODE.keys()):
        raise ValueError(f"no error code answers with status {unknown}")

    def mark(handler: H) -> H:
        operation = Operation(
            summary=summary,
            tags=tuple(tags),
            auth=auth,
            body=body,
            body_required=body_required,
            query=query,
            path=dict(path or {}),
            responses={status: response, **(responses or {})},
            errors=error_statuses,
            content_type=content_type,
            headers={
                name: h if isinstance(h, Header) else Header(h)
                for name, h in (headers or {}).items()
            },
            description=inspect.getdoc(handler),
            upload=upload,
        )
        setattr(handler, _ATTR, operation)
        return handler

    return mark


def operation_of(handler: object) -> Operation | None:
    found = getattr(handler, _ATTR, None)
    return found if isinstance(found, Operation) else None


def undocumented(app: web.Application) -> list[str]:
    """`METHOD /path` of every `/api/` route that lacks `@api` metadata."""
    return sorted(
        f"{route.method} {route.resource.canonical}"
        for route in app.router.routes()
        if route.resource is not None
        and route.resource.canonical.startswith("/api/")
        and route.resource.canonical != OPENAPI_PATH
        and route.method != "HEAD"
        and operation_of(route.handler) is None
    )


@dataclass(frozen=True)
class _Entry:
    path: str
    method: str
    handler: Callable[..., Any]
    operation: Operation


def _entries(app: web.Application) -> list[_Entry]:
    entries = []
    for route in app.router.routes():
        operation = operation_of(route.handler)
        if operation is None or route.method == "HEAD" or route.resource is None:
            continue
        entries.append(
            _Entry(route.resource.canonical, route.method.lower(), route.handler, operation)
        )
    return sorted(entries, key=lambda e: (e.path, e.method))


class _Schemas(GenerateJsonSchema):
    """Pydantic's generator, with decimals given as text described by a pattern: left at
    `{"type": "string"}`, any text (`""`, `"abc"`) would pass for an amount."""

    def get_decimal_pattern(self, schema: core_schema.DecimalSchema) -> str | None:
        return self.build_decimal_pattern(schema)


def _schemas(entries: list[_Entry]) -> tuple[Refs, dict[str, Any]]:
    """One pass over every model, so shared sub-models get one definition each."""
    wanted: dict[tuple[Model, JsonSchemaMode], None] = {(Problem, "serialization"): None}
    for entry in entries:
        op = entry.operation
        for model in (op.body, op.query):
            if model is not None:
                wanted[(model, "validation")] = None
        for model in op.responses.values():
            if model is not None:
                wanted[(model, "serialization")] = None
    refs, top = models_json_schema(list(wanted), ref_template=_REF, schema_generator=_Schemas)
    return dict(refs), dict(top.get("$defs", {}))


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or a string: `null` is not a value it can take."""
    schema = {k: v for k, v in schema.items() if k != "title"}
    branches = schema.get("anyOf")
    if isinstance(branches, list):
        kept = [b for b in branches if b != {"type": "null"}]
        del schema["anyOf"]
        schema.update(kept[0] if len(kept) == 1 else {"anyOf": kept})
        if schema.get("default", 0) is None:
            del schema["default"]
    return schema


def _param(where: str, name: str, required: bool, schema: Any, **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required, "schema": schema, **extra}


def _parameters(entry: _Entry, refs: Refs, defs: dict[str, Any]) -> list[dict[str, Any]]:
    op = entry.operation
    params = []
    for name in PATH_PARAM.findall(entry.path):
        enum = op.path.get(name)
        kind = {"enum": [m.value for m in enum]} if enum is not None else {"format": "uuid"}
        params.append(_param("path", name, True, {"type": "string", **kind}))
    if op.query is not None:
        model = defs[refs[(op.query, "validation")]["$ref"].rsplit("/", 1)[-1]]
        required = set(model.get("required", []))
        for name, schema in model.get("properties", {}).items():
            params.append(_param("query", name, name in required, _without_null(schema)))
    for name, header in op.headers.items():
        schema = header.schema or _HEADER_SCHEMAS.get(name, {"type": "string"})
        params.append(_param("header", name, False, dict(schema), description=header.description))
    return params


def _responses(entry: _Entry, refs: Refs) -> dict[str, Any]:
    op = entry.operation
    out: dict[str, Any] = {}
    for status, model in sorted(op.responses.items()):
        answer: dict[str, Any] = {"description": "No content" if status == 204 else "Success"}
        if model is not None:
            answer["content"] = {op.content_type: {"schema": refs[(model, "serialization")]}}
        elif op.content_type != JSON:
            # Text answers (CSV) are strings; any other non-JSON answer (PDF, xlsx) is bytes.
            binary = {} if op.content_type.startswith("text/") else {"format": "binary"}
            answer["content"] = {op.content_type: {"schema": {"type": "string", **binary}}}
        out[str(status)] = answer
    problem = {PROBLEM: {"schema": refs[(Problem, "serialization")]}}
    statuses = set(op.error_statuses(bool(PATH_PARAM.search(entry.path))))
    if entry.path.startswith("/api/"):
        statuses.add(429)  # request rates (server/rest/limits.py)
    for status in sorted(statuses):
        answer = {"description": TITLES[_STATUS_CODE[status]], "content": problem}
        if status == 429:
            answer["headers"] = {
                "Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}
            }
        out[str(status)] = answer
    return out


def build_document(app: web.Application) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every route of `app` that carries `@api` metadata."""
    entries = _entries(app)
    refs, defs = _schemas(entries)
    names = [e.handler.__name__ for e in entries]
    paths: dict[str, dict[str, Any]] = {}
    for entry in entries:
        op, name = entry.operation, entry.handler.__name__
        if names.count(name) > 1:
            name = f"{entry.handler.__module__.rsplit('.', 1)[-1]}_{name}"
        item: dict[str, Any] = {"operationId": name, "summary": op.summary, "tags": list(op.tags)}
        if op.description:
            item["description"] = op.description
        if params := _parameters(entry, refs, defs):
            item["parameters"] = params
        if op.body is not None:
            item["requestBody"] = {
                "required": op.body_required,
                "content": {JSON: {"schema": refs[(op.body, "validation")]}},
            }
        if op.upload:
            file_part = {"type": "string", "format": "binary"}
            schema = {"type": "object", "properties": {"file": file_part}, "required": ["file"]}
            item["requestBody"] = {
                "required": True,
                "content": {"multipart/form-data": {"schema": schema}},
            }
        item["responses"] = _responses(entry, refs)
        if op.auth:
            item["security"] = [{SECURITY_SCHEME: []}]
        paths.setdefault(entry.path, {})[entry.method] = item
    return {
        "openapi": "3.1.0",
        "info": {"title": "Aurentia API", "version": api_version()},
        "paths": paths,
        "components": {
            "schemas": defs,
            "securitySchemes": {
                SECURITY_SCHEME: {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }


def api_version() -> str:
    try:
        return importlib.metadata.version("aurentia")
    except importlib.metadata.PackageNotFoundError:
        return "0.0.0"


@dataclass
class _Cache:
    document: bytes | None = None


_CACHE = web.AppKey("openapi_cache", _Cache)


async def openapi_json(request: web.Request) -> web.Response:
    cache = request.app[_CACHE]
    if cache.document is None:
        cache.document = orjson.dumps(build_document(request.app))
    return web.Response(body=cache.document, content_type=JSON)


def setup(app: web.Application) -> None:
    """Serve the document and the docs page; call after every route is registered."""
    app[_CACHE] = _Cache()
    app.router.add_get(OPENAPI_PATH, openapi_json)
    docs.setup(app)
