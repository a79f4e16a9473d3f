"""The served OpenAPI document (`/api/v1/openapi.json`) and the docs page (`/docs`).

The document must be exact: a fuzzer later checks every answer of the server against it.
So besides validating it, these tests compare it with what each handler actually parses
(its source, or what a generated handler records) and check live answers against the
schemas it publishes.
"""

from __future__ import annotations

import inspect
import re
import sys
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web
from aiohttp.web_urldispatcher import AbstractRoute
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator

from protocol.auth import MeOut, MePatch
from server.rest import openapi
from server.rest.openapi import OPENAPI_PATH, Header, api, build_document, undocumented
from server.rest.resource import Op, Rest, mount, parses_of
from tests.factories import Client, create_org, expect, register

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


async def _document(client: Client) -> Any:
    return await expect(await client.get(OPENAPI_PATH), 200)


def _api_routes(app: web.Application) -> list[AbstractRoute]:
    return [
        route
        for route in app.router.routes()
        if route.resource is not None
        and route.resource.canonical.startswith("/api/v1/")
        and route.resource.canonical != OPENAPI_PATH
        and route.method != "HEAD"
    ]


def _operation(doc: Any, route: AbstractRoute) -> Any:
    assert route.resource is not None
    path, method = route.resource.canonical, route.method.lower()
    assert method in doc["paths"].get(path, {}), f"{route.method} {path} is not documented"
    return doc["paths"][path][method]


def _ref_title(doc: Any, schema: Any) -> str:
    name = schema["$ref"].rsplit("/", 1)[-1]
    return str(doc["components"]["schemas"][name]["title"])


def _check(doc: Any, path: str, method: str, status: int, body: Any) -> None:
    """`body` conforms to the schema the document publishes for this answer."""
    answer = doc["paths"][path][method]["responses"][str(status)]
    (media,) = answer["content"].values()
    schema = {**media["schema"], "components": doc["components"]}
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = [e.message for e in validator.iter_errors(body)]
    assert not errors, (path, method, status, errors)


async def test_the_document_is_valid_openapi_3_1_and_served_as_json(client: Client) -> None:
    resp = await client.get(OPENAPI_PATH)
    assert resp.status == 200
    assert resp.content_type == "application/json"
    doc = await resp.json()
    assert doc["openapi"].startswith("3.1.")
    OpenAPIV31SpecValidator(doc).validate()
    assert await (await client.get(OPENAPI_PATH)).json() == doc


async def test_every_api_route_carries_api_metadata(client: Client) -> None:
    assert undocumented(client.app) == [], "decorate these handlers with @api(...)"


async def test_a_route_without_metadata_is_reported_and_left_out() -> None:
    async def documented(_request: web.Request) -> web.Response:
        return web.Response()

    async def forgotten(_request: web.Request) -> web.Response:
        return web.Response()

    app = web.Application()
    app.router.add_get("/api/v1/things", api("Things", tags=["t"])(documented))
    app.router.add_post("/api/v1/things", forgotten)
    openapi.setup(app)
    assert undocumented(app) == ["POST /api/v1/things"]
    assert list(build_document(app)["paths"]["/api/v1/things"]) == ["get"]


async def test_request_headers_are_documented_with_their_form() -> None:
    async def handler(_request: web.Request) -> web.Response:
        return web.Response()

    key = Header("a retry key", {"type": "string", "maxLength": 200})
    app = web.Application()
    app.router.add_patch(
        "/api/v1/things/{id}",
        api("Edit", tags=["t"], headers={"If-Match": "the ETag", "Idempotency-Key": key})(handler),
    )
    op = build_document(app)["paths"]["/api/v1/things/{id}"]["patch"]
    params = {p["name"]: p for p in op["parameters"]}
    assert params["If-Match"]["schema"]["pattern"] == '^(W/)?"[0-9]+"$'
    assert params["Idempotency-Key"]["schema"] == {"type": "string", "maxLength": 200}
    assert not params["If-Match"]["required"] and params["If-Match"]["in"] == "header"
    assert {"401", "404", "422"} <= op["responses"].keys()


async def test_every_api_route_is_documented_with_a_success_answer(client: Client) -> None:
    doc = await _document(client)
    routes = _api_routes(client.app)
    assert len(routes) >= 20
    for route in routes:
        op = _operation(doc, route)
        success = {s: r for s, r in op["responses"].items() if s.startswith("2")}
        assert success, route
        for status, answer in success.items():
            assert ("content" in answer) == (status != "204"), (route, status)
    assert {"/healthz", "/readyz"} <= doc["paths"].keys()
    assert not [p for p in doc["paths"] if p.startswith(("/docs", "/socket.io"))]
    assert OPENAPI_PATH not in doc["paths"]


@dataclass(frozen=True)
class _Inputs:
    """What a handler parses and the statuses it answers with."""

    body: Any = None
    query: Any = None
    path: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    statuses: tuple[int, ...] = ()
    multipart: bool = False


def _inputs(route: AbstractRoute) -> tuple[_Inputs, bool]:
    """Recorded by a generated handler (server/rest/resource.py: the very models it runs
    with), else read from a hand-written handler's source; and whether it was recorded."""
    recorded = parses_of(route.handler)
    if recorded is not None:
        found = _Inputs(
            recorded.body, recorded.query, recorded.path, recorded.headers, (recorded.status,)
        )
        return found, True
    source = inspect.getsource(route.handler)
    module = sys.modules[route.handler.__module__]
    body = re.search(r"parse_body\(request, (\w+)\)", source)
    query = re.search(r"parse_query\(request, (\w+)\)", source)
    found = _Inputs(
        body=getattr(module, body.group(1)) if body else None,
        query=getattr(module, query.group(1)) if query else None,
        path=tuple(re.findall(r'path_uuid\(request, "(\w+)"\)', source)),
        headers=("If-Match",) if "expected_version(request)" in source else (),
        statuses=tuple(int(s) for s in re.findall(r"status=(\d{3})", source)),
        multipart=bool(re.search(r"_file_part\(request\)|request\.multipart\(\)", source)),
    )
    return found, False


def _check_inputs(doc: Any, route: AbstractRoute) -> bool:
    """Fails when `route`'s handler parses a body, query, path parameter or header the
    document omits (or the reverse); answers whether its inputs were recorded."""
    op = _operation(doc, route)
    params = {(p["in"], p["name"]): p for p in op.get("parameters", [])}
    parsed, recorded = _inputs(route)
    if parsed.body is not None:
        assert "requestBody" in op, route
        schema = op["requestBody"]["content"]["application/json"]["schema"]
        assert _ref_title(doc, schema) == parsed.body.__name__, route
    elif parsed.multipart:
        assert "multipart/form-data" in op["requestBody"]["content"], route
    else:
        assert "requestBody" not in op, route
    documented_query = {name for where, name in params if where == "query"}
    if parsed.query is not None:
        fields = {f.alias or name for name, f in parsed.query.model_fields.items()}
        assert documented_query == fields, route
    else:
        assert not documented_query, route
    for name in parsed.path:
        assert params[("path", name)]["schema"]["format"] == "uuid", (route, name)
    for name in parsed.headers:
        assert ("header", name) in params, (route, name)
    for status in parsed.statuses:
        assert str(status) in op["responses"], (route, status)
    return recorded


async def test_documented_inputs_are_the_ones_each_handler_parses(client: Client) -> None:
    """A body, query, path parameter or header a handler parses but the document omits
    (or the reverse) fails here: generated handlers are checked from what they record,
    hand-written ones from their source."""
    doc = await _document(client)
    recorded = [_check_inputs(doc, route) for route in _api_routes(client.app)]
    assert sum(recorded) >= 10, "the resource kit's handlers record what they parse"


async def test_a_generated_handler_parsing_what_the_document_omits_fails_the_check() -> None:
    routes = web.RouteTableDef()
    spec = Rest(
        "/api/v1/orgs/{org}/things",
        "thing",
        MeOut,
        tags=["t"],
        patch_body=MePatch,
        update=Op("Edit a thing", call=lambda *args: None),
    )
    mount(routes, spec)
    app = web.Application()
    app.router.add_routes(routes)
    (route,) = _api_routes(app)
    assert _check_inputs(build_document(app), route)
    # The same handler documented without its body: the check must fail.
    bare = web.Application()
    bare.router.add_patch(route.resource.canonical, api("Edit", tags=["t"])(route.handler))
    (bare_route,) = _api_routes(bare)
    with pytest.raises(AssertionError):
        _check_inputs(build_document(bare), bare_route)


async def test_errors_are_problem_json_and_auth_is_declared(client: Client) -> None:
    doc = await _document(client)
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path, item in doc["paths"].items():
        for method, op in item.items():
            responses = op["responses"]
            for status, answer in responses.items():
                if int(status) >= 400 and path != "/readyz":
                    assert answer["content"] == {
                        "application/problem+json": {"schema": PROBLEM_REF}
                    }
            if op.get("security"):
                assert "401" in responses, (method, path)
            if op.get("parameters") or "requestBody" in op:
                assert "422" in responses, (method, path)
            if "{" in path:
                assert "404" in responses, (method, path)
    assert "security" not in doc["paths"]["/api/v1/auth/login"]["post"]
    assert doc["paths"]["/api/v1/me"]["get"]["security"] == [{"bearerAuth": []}]
    assert "429" in doc["paths"]["/api/v1/auth/register"]["post"]["responses"]


async def test_model_schemas_carry_requirements_and_formats(client: Client) -> None:
    schemas = (await _document(client))["components"]["schemas"]
    register_body = schemas["RegisterRequest"]
    assert set(register_body["required"]) == {"email", "password", "prenom", "nom"}
    assert register_body["properties"]["email"]["format"] == "email"
    assert register_body["additionalProperties"] is False
    profile = schemas["MeOut"]["properties"]
    assert profile["id"]["format"] == "uuid"
    assert profile["created_at"]["format"] == "date-time"
    # A patch sends any subset; null only where the service accepts it.
    for name, refused, accepted in [
        ("MePatch", "prenom", "phone"),
        ("OrgPatch", "name", "website"),
    ]:
        patch = schemas[name]
        assert "required" not in patch
        assert patch["properties"][refused]["type"] == "string", name
        assert {"type": "null"} in patch["properties"][accepted]["anyOf"], name


async def test_path_and_query_parameters_are_typed(client: Client) -> None:
    doc = await _document(client)
    params = {p["name"]: p for p in doc["paths"]["/api/v1/orgs/{org}/members"]["get"]["parameters"]}
    assert params["org"] == {
        "name": "org",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "format": "uuid"},
    }
    assert params["limit"]["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 200,
        "default": 50,
    }
    assert params["cursor"]["schema"]["type"] == "string"  # never null in a query string
    history = doc["paths"]["/api/v1/orgs/{org}/channels/{type}/{id}/messages"]["get"]
    kinds = next(p for p in history["parameters"] if p["name"] == "type")["schema"]["enum"]
    assert set(kinds) == {"organization", "project", "group", "direct"}


async def test_live_answers_conform_to_the_published_schemas(client: Client) -> None:
    doc = await _document(client)
    resp = await client.post(
        "/api/v1/auth/register",
        json={"email": "ada@example.com", "password": "x" * 3, "prenom": "", "nom": "L"},
    )
    _check(doc, "/api/v1/auth/register", "post", 422, await expect(resp, 422))
    _check(doc, "/api/v1/me", "get", 401, await expect(await client.get("/api/v1/me"), 401))
    user = await register(client)
    me = await expect(await client.get("/api/v1/me", headers=user.headers), 200)
    _check(doc, "/api/v1/me", "get", 200, me)
    org = await create_org(client, user, description=None)
    _check(doc, "/api/v1/orgs", "post", 201, org)
    page = await expect(await client.get("/api/v1/orgs", headers=user.headers), 200)
    _check(doc, "/api/v1/orgs", "get", 200, page)
    members = await expect(
        await client.get(f"/api/v1/orgs/{org['id']}/members", headers=user.headers), 200
    )
    _check(doc, "/api/v1/orgs/{org}/members", "get", 200, members)
    missing = await client.get(f"/api/v1/orgs/{uuid.uuid4()}", headers=user.headers)
    _check(doc, "/api/v1/orgs/{org}", "get", 404, await expect(missing, 404))
    _check(doc, "/healthz", "get", 200, await expect(await client.get("/healthz"), 200))


async def test_docs_page_needs_nothing_from_the_internet(client: Client) -> None:
    resp = await client.get("/docs")
    assert resp.status == 200
    assert resp.content_type == "text/html"
    html = await resp.text()
    assert not re.search(r"https?://", html)
    csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "http" not in csp
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "docs/static/swagger-ui-bundle.js" in assets
    for asset in assets:
        assert (await client.get("/" + asset)).status == 200, asset
    init = await (await client.get("/docs/init.js")).text()
    assert "api/v1/openapi.json" in init and not re.search(r"https?://", init)
    assert "validatorUrl: null" in init  # Swagger UI would otherwise call its online validator
