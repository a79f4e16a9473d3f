"""Abuse limits of the REST API: request rates, named budgets, body size, page sizes."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.rest.openapi import build_document
from server.settings import Settings
from tests.conftest import AppFactory
from tests.factories import create_org, expect, register


def _unique_address() -> str:
    """A client address no other test (nor a concurrent run on the same Redis) uses."""
    n = uuid.uuid4().int
    return f"10.{n % 250}.{(n >> 8) % 250}.{(n >> 16) % 250 + 1}"


async def _assert_rate_limited(resp: Any) -> None:
    assert resp.status == 429, await resp.text()
    assert resp.content_type == "application/problem+json"
    body = await resp.json()
    assert body["code"] == "rate_limited"
    assert int(resp.headers["Retry-After"]) >= 1


async def _exhaust(send: Callable[[], Awaitable[Any]], limit: int, ok: int = 200) -> None:
    """Call until refused: at most `limit` answers `ok` first (twice that if a window
    boundary passed meanwhile, the count restarting), then a 429 problem."""
    answered = 0
    while True:
        resp = await send()
        if resp.status != ok:
            await _assert_rate_limited(resp)
            return
        answered += 1
        assert answered <= 2 * limit, "never refused"


async def test_a_user_over_the_request_rate_gets_429_problem_with_retry_after(
    make_app: AppFactory, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(make_app(http_requests_per_minute_per_user=5))
    user = await register(client)
    other = await register(client)
    await _exhaust(lambda: client.get("/api/v1/orgs", headers=user.headers), 5)
    # Another user keeps their own budget.
    assert (await client.get("/api/v1/me", headers=other.headers)).status == 200


async def test_an_address_over_the_request_rate_gets_429_whoever_calls(
    make_app: AppFactory, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(
        make_app(http_requests_per_minute_per_address=3, trusted_proxy_hops=1)
    )
    crowded = {"X-Forwarded-For": _unique_address()}
    await _exhaust(lambda: client.get("/api/v1/me", headers=crowded), 3, ok=401)
    # A different address, and the probes, are not affected.
    resp = await client.get("/api/v1/me", headers={"X-Forwarded-For": _unique_address()})
    assert resp.status == 401
    assert (await client.get("/healthz", headers=crowded)).status == 200


async def test_forwarded_for_is_ignored_unless_a_proxy_is_trusted(
    make_app: AppFactory, aiohttp_client: Any
) -> None:
    """Otherwise a client would pick a fresh address per request and never be limited."""
    limited = await aiohttp_client(
        make_app(http_requests_per_minute_per_address=3, trusted_proxy_hops=0)
    )
    # Each call claims a new address; the peer's (127.0.0.1) is what counts.
    await _exhaust(
        lambda: limited.get("/api/v1/me", headers={"X-Forwarded-For": _unique_address()}),
        3,
        ok=401,
    )


async def test_invitations_have_their_own_hourly_budget_per_user(
    make_app: AppFactory, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(make_app(invitations_per_hour_per_user=2))
    owner = await register(client)
    org = await create_org(client, owner)
    url = f"/api/v1/orgs/{org['id']}/invitations"

    def invite() -> Awaitable[Any]:
        body = {"email": f"{uuid.uuid4().hex[:8]}@example.com", "role": "MEMBER"}
        return client.post(url, json=body, headers=owner.headers)

    await _exhaust(invite, 2, ok=201)
    # Listing invitations is not an invitation.
    assert (await client.get(url, headers=owner.headers)).status == 200


async def test_csv_exports_have_their_own_budget_shared_by_both_exports(
    make_app: AppFactory, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(make_app(exports_per_minute_per_user=2))
    owner = await register(client)
    org = await create_org(client, owner)
    base = f"/api/v1/orgs/{org['id']}"
    exports = iter(["time-entries.csv", "invoices.csv"] * 4)
    await _exhaust(lambda: client.get(f"{base}/{next(exports)}", headers=owner.headers), 2)
    assert (await client.get(f"{base}/invoices", headers=owner.headers)).status == 200


@pytest.mark.redis
async def test_request_rates_are_shared_by_every_process_through_redis(
    settings: Settings, aiohttp_client: Any
) -> None:
    """Two applications (as two processes would) draw on one budget per user."""
    limited = settings.model_copy(update={"http_requests_per_minute_per_user": 4})
    first: TestClient = await aiohttp_client(create_app(limited))  # type: ignore[type-arg]
    second: TestClient = await aiohttp_client(create_app(limited))  # type: ignore[type-arg]
    user = await register(first)
    clients = iter([first, second] * 4)
    await _exhaust(lambda: next(clients).get("/api/v1/me", headers=user.headers), 4)


async def test_an_oversized_body_on_a_real_route_is_413_problem_json(
    make_app: AppFactory, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(make_app(max_request_bytes=4096))
    resp = await client.post(
        "/api/v1/auth/login",
        data=b'{"email": "' + b"x" * 8192 + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert resp.status == 413
    assert resp.content_type == "application/problem+json"
    body = await resp.json()
    assert body["code"] == "payload_too_large"
    assert "<html" not in (await resp.text()).lower()


# Lists that are bounded by nature rather than by `limit`, and why.
UNPAGED_LISTS = {
    "/api/v1/me": "the caller's own organizations",
    "/api/v1/orgs/{org}/channels": "the channels the caller can see, with unread counts",
    "/api/v1/orgs/{org}/channels/{type}/{id}/pins": "one channel's pins (at most 200)",
    "/api/v1/orgs/{org}/groups/{group}": "one group's members",
    "/api/v1/orgs/{org}/consultants/{profile_id}": "one consultant's competences",
    "/api/v1/orgs/{org}/milestones/{id}": "one milestone's tasks and dependencies",
    "/api/v1/orgs/{org}/projects/{id}/board": "one project's board, by column",
    "/api/v1/orgs/{org}/tasks/{id}": "one task's tags",
    "/api/v1/orgs/{org}/timesheets": "one person's week",
}
MAX_PAGE = 200


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return doc["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else schema


def test_every_list_route_caps_its_page_size(settings: Settings) -> None:
    """A GET answering a list either takes `?limit=` with a maximum of at most 200, or is
    named above with the reason it is bounded anyway; a new list route must choose."""
    doc = build_document(create_app(settings))
    unpaged: set[str] = set()
    for path, operations in doc["paths"].items():
        get = operations.get("get")
        if get is None or not path.startswith("/api/"):
            continue
        content = get["responses"].get("200", {}).get("content", {})
        schema = _resolve(doc, content.get("application/json", {}).get("schema", {}))
        props = schema.get("properties", {})
        if not any(_resolve(doc, p).get("type") == "array" for p in props.values()):
            continue
        limit = [p for p in get.get("parameters", []) if p["name"] == "limit"]
        if not limit:
            unpaged.add(path)
            continue
        assert limit[0]["schema"].get("maximum", MAX_PAGE + 1) <= MAX_PAGE, path
    assert unpaged == set(UNPAGED_LISTS)


async def test_a_limit_over_the_cap_is_a_validation_error(
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    user = await register(client)
    org = await create_org(client, user)
    for url in ("/api/v1/orgs", f"/api/v1/orgs/{org['id']}/members"):
        resp = await client.get(url, params={"limit": "201"}, headers=user.headers)
        body = await expect(resp, 422)
        assert body["code"] == "validation_error"
