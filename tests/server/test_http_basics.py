"""The HTTP skeleton: probes, problem+json errors, request ids."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from protocol.errors import AppError, ErrorCode
from tests.conftest import AppFactory


async def test_healthz_answers_ok(client: TestClient[web.Request, web.Application]) -> None:
    resp = await client.get("/healthz")
    assert resp.status == 200
    assert (await resp.json()) == {"status": "ok"}


async def test_readyz_reports_each_dependency(
    client: TestClient[web.Request, web.Application], redis_url: str | None
) -> None:
    resp = await client.get("/readyz")
    body = await resp.json()
    assert resp.status == 200, body
    expected = {"database": "ok"} | ({"redis": "ok"} if redis_url else {})
    assert body == {"status": "ready", "checks": expected}


async def test_readyz_is_degraded_but_200_when_only_redis_is_unreachable(
    make_app: AppFactory, aiohttp_client
) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(make_app(redis_url="redis://127.0.0.1:1/0"))
    resp = await client.get("/readyz")
    body = await resp.json()
    assert resp.status == 200
    assert body == {"status": "degraded", "checks": {"database": "ok", "redis": "unavailable"}}


async def test_unknown_route_is_problem_json_not_found(
    client: TestClient[web.Request, web.Application],
) -> None:
    resp = await client.get("/api/v1/nothing-here")
    assert resp.status == 404
    assert resp.content_type == "application/problem+json"
    body = await resp.json()
    assert body["code"] == "not_found"
    assert body["status"] == 404
    assert resp.headers["X-Request-ID"]


async def test_wrong_method_is_problem_json_with_allow(
    client: TestClient[web.Request, web.Application],
) -> None:
    resp = await client.post("/healthz")
    assert resp.status == 405
    body = await resp.json()
    assert body["code"] == "method_not_allowed"
    assert "GET" in resp.headers["Allow"]


async def test_unexpected_failure_is_500_with_request_id_and_no_internals(
    make_app: AppFactory,
    aiohttp_client,
    caplog,  # type: ignore[no-untyped-def]
) -> None:
    async def boom(_request: web.Request) -> web.Response:
        raise RuntimeError("SELECT secret FROM internals")

    app = make_app()
    app.router.add_get("/boom", boom)
    client = await aiohttp_client(app)
    resp = await client.get("/boom")
    text = await resp.text()
    assert resp.status == 500
    body = await resp.json()
    assert body["code"] == "internal"
    assert "SELECT" not in text and "Traceback" not in text and "RuntimeError" not in text
    assert body["request_id"] == resp.headers["X-Request-ID"]
    assert any("SELECT secret" in (r.exc_text or "") or r.exc_info for r in caplog.records), (
        "the failure must be in the server log"
    )


async def test_app_error_becomes_problem_with_its_code(
    make_app: AppFactory, aiohttp_client
) -> None:  # type: ignore[no-untyped-def]
    async def conflict(_request: web.Request) -> web.Response:
        raise AppError(ErrorCode.CONFLICT, "slug already taken")

    app = make_app()
    app.router.add_get("/conflict", conflict)
    client = await aiohttp_client(app)
    resp = await client.get("/conflict")
    assert resp.status == 409
    body = await resp.json()
    assert body == {
        "type": "urn:aurentia:problem:conflict",
        "title": "Conflict",
        "status": 409,
        "detail": "slug already taken",
        "code": "conflict",
    }


async def test_oversized_body_is_413_problem(make_app: AppFactory, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    async def echo(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(text="read")

    app = make_app(max_request_bytes=2048)
    app.router.add_post("/echo", echo)
    client = await aiohttp_client(app)
    resp = await client.post("/echo", data=b"x" * 4096)
    assert resp.status == 413
    assert (await resp.json())["code"] == "payload_too_large"
