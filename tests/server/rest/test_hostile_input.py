"""Issue 15: what an attacker sends over real HTTP gets a 4xx problem, never a 500, and
writes nothing: deep JSON, dates near the ends of the calendar, bodies that cannot be
decoded, links that are not http(s)."""

from __future__ import annotations

import gzip
import logging
import uuid
import zlib
from typing import Any

import pytest

from tests.conftest import AppFactory
from tests.factories import Client, create_org, expect, register
from tests.server.rest.projectkit import make_project

PROBLEM = "application/problem+json"
JSON = {"Content-Type": "application/json"}


def nest(depth: int) -> Any:
    value: Any = "bottom"
    for i in range(depth):
        value = [value] if i % 2 else {"a": value}
    return value


def deep_text(depth: int) -> bytes:
    """`depth` levels of arrays as text (past orjson's own recursion limit if need be)."""
    return b"[" * depth + b"]" * depth


async def problem(resp: Any, status: int) -> Any:
    assert resp.content_type == PROBLEM, await resp.text()
    return await expect(resp, status)


@pytest.mark.parametrize("depth", [33, 255, 300, 1024])
async def test_deeply_nested_bodies_are_422_on_open_and_signed_in_routes(
    client: Client, depth: int
) -> None:
    user = await register(client)
    for path, headers in [
        ("/api/v1/auth/login", {}),
        ("/api/v1/auth/register", {}),
        ("/api/v1/orgs", user.headers),
    ]:
        body = b'{"email": ' + deep_text(depth - 1) + b', "password": "x", "name": "n"}'
        resp = await client.post(path, data=body, headers={**headers, **JSON})
        err = (await problem(resp, 422))["errors"]
        assert err == [{"loc": ["body"], "msg": "JSON may be nested at most 32 levels deep"}]
    resp = await client.post("/api/v1/orgs", data=deep_text(5000), headers={**user.headers, **JSON})
    await problem(resp, 422)  # past orjson's own limit: not valid JSON
    orgs = await expect(await client.get("/api/v1/orgs", headers=user.headers), 200)
    assert orgs["items"] == []


async def test_the_depth_limit_is_max_json_depth(make_app: AppFactory, aiohttp_client: Any) -> None:
    client = await aiohttp_client(make_app(max_json_depth=8))
    user = await register(client)
    ok = {"name": "Shallow", "description": None}
    await expect(await client.post("/api/v1/orgs", json=ok, headers=user.headers), 201)
    resp = await client.post("/api/v1/orgs", json={"name": nest(8)}, headers=user.headers)
    assert (await problem(resp, 422))["errors"][0]["msg"].endswith("at most 8 levels deep")


async def test_a_week_past_year_2200_is_422_not_500(client: Client) -> None:
    user = await register(client)
    org = await create_org(client, user)
    for week in ["9999-W52", "0001-W01", "1899-W52", "2201-W01"]:
        resp = await client.get(
            f"/api/v1/orgs/{org['id']}/timesheets", params={"week": week}, headers=user.headers
        )
        assert (await problem(resp, 422))["errors"][0]["loc"] == ["query", "week"]
    # Anyone signed in, even outside the organization, gets the same 422 (never a 500).
    stranger = await register(client)
    resp = await client.get(
        f"/api/v1/orgs/{uuid.uuid4()}/timesheets",
        params={"week": "9999-W52"},
        headers=stranger.headers,
    )
    await problem(resp, 422)
    resp = await client.get(
        f"/api/v1/orgs/{org['id']}/timesheets", params={"week": "2200-W52"}, headers=user.headers
    )
    assert (await expect(resp, 200))["week"] == "2200-W52"


async def test_an_invoice_dated_near_the_end_of_the_calendar_is_422_and_not_written(
    client: Client,
) -> None:
    user = await register(client)
    org = await create_org(client, user)
    project = await make_project(client, user, org)
    url = f"/api/v1/orgs/{org['id']}/invoices"
    for day in ["9999-12-20", "9999-12-31", "0001-01-01", "1899-12-31", "2201-01-01"]:
        body = {"projet_id": project["id"], "montant": "100.00", "date_facturation": day}
        resp = await client.post(url, json=body, headers=user.headers)
        err = (await problem(resp, 422))["errors"][0]
        assert err["loc"] == ["body", "date_facturation"]
        assert "between 1900-01-01 and 2200-12-31" in err["msg"]
    assert (await expect(await client.get(url, headers=user.headers), 200))["items"] == []
    last = {"projet_id": project["id"], "montant": "100.00", "date_facturation": "2200-12-31"}
    created = await expect(await client.post(url, json=last, headers=user.headers), 201)
    assert created["date_echeance"] == "2201-01-30"  # 30 days on: no overflow


async def test_instants_are_bounded_like_dates(client: Client) -> None:
    user = await register(client)
    org = await create_org(client, user)
    url = f"/api/v1/orgs/{org['id']}/join-codes"
    for instant in ["9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00Z"]:
        resp = await client.post(url, json={"expires_at": instant}, headers=user.headers)
        await problem(resp, 422)


def _json_headers(user: Any, **extra: str) -> dict[str, str]:
    return {**user.headers, "Content-Type": "application/json", **extra}


async def test_a_body_that_is_not_the_gzip_it_claims_is_400(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    user = await register(client)
    for garbage in [b"not gzip at all", gzip.compress(b'{"name": "x"}')[:-12] + b"\x00" * 12]:
        resp = await client.post(
            "/api/v1/orgs",
            data=garbage,
            headers=_json_headers(user, **{"Content-Encoding": "gzip"}),
        )
        body = await problem(resp, 400)
        assert body["code"] == "bad_request"
    resp = await client.post(
        "/api/v1/auth/login",
        data=b"\x1f\x8b garbage",
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    await problem(resp, 400)
    orgs = await expect(await client.get("/api/v1/orgs", headers=user.headers), 200)
    assert orgs["items"] == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_gzip_and_deflate_bodies_are_read(client: Client) -> None:
    user = await register(client)
    for coding, packed in [
        ("gzip", gzip.compress(b'{"name": "Zipped"}')),
        ("deflate", zlib.compress(b'{"name": "Deflated"}')),
    ]:
        resp = await client.post(
            "/api/v1/orgs", data=packed, headers=_json_headers(user, **{"Content-Encoding": coding})
        )
        await expect(resp, 201)


async def test_a_gzip_bomb_stops_at_max_request_bytes(client: Client) -> None:
    user = await register(client)
    bomb = gzip.compress(b'{"name": "' + b"a" * 5_000_000 + b'"}')
    assert len(bomb) < 10_000
    resp = await client.post(
        "/api/v1/orgs", data=bomb, headers=_json_headers(user, **{"Content-Encoding": "gzip"})
    )
    assert (await problem(resp, 413))["code"] == "payload_too_large"


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Encoding": "compress"},
        {"Content-Encoding": "gzip, gzip"},
        {"Content-Encoding": "x-made-up"},
        {"Content-Type": "application/json; charset=latin-1"},
        {"Content-Type": "application/json; charset=utf-16"},
    ],
)
async def test_a_content_coding_or_charset_we_do_not_read_is_415(
    client: Client, headers: dict[str, str]
) -> None:
    user = await register(client)
    resp = await client.post(
        "/api/v1/orgs", data=b'{"name": "x"}', headers=_json_headers(user, **headers)
    )
    assert (await problem(resp, 415))["code"] == "unsupported_media_type"


async def test_utf8_declared_in_any_spelling_is_read(client: Client) -> None:
    user = await register(client)
    resp = await client.post(
        "/api/v1/orgs",
        data='{"name": "Société"}'.encode(),
        headers=_json_headers(user, **{"Content-Type": "application/json; charset=UTF-8"}),
    )
    assert (await expect(resp, 201))["name"] == "Société"


HOSTILE_URLS = [
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "data:image/svg+xml,<svg onload=alert(1)>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "//evil.example/x",
    "http://",
    "https://exa mple.com",
    "java\tscript:alert(1)",
    " javascript:alert(1)",
]


async def test_links_must_be_http_or_https(client: Client) -> None:
    user = await register(client)
    org = await create_org(client, user)
    org_url = f"/api/v1/orgs/{org['id']}"
    for url in HOSTILE_URLS:
        for method, path, field in [
            ("PATCH", "/api/v1/me", "avatar_url"),
            ("PATCH", org_url, "logo_url"),
            ("PATCH", org_url, "website"),
            ("POST", "/api/v1/orgs", "website"),
        ]:
            body = {field: url} if method == "PATCH" else {"name": "Org", field: url}
            resp = await client.request(method, path, json=body, headers=user.headers)
            err = (await problem(resp, 422))["errors"][0]
            assert err["loc"] == ["body", field], (url, err)
    me = await expect(await client.get("/api/v1/me", headers=user.headers), 200)
    assert me["avatar_url"] is None
    good = {"logo_url": "https://cdn.example.com/logo.png", "website": "http://example.com"}
    saved = await expect(await client.patch(org_url, json=good, headers=user.headers), 200)
    assert (saved["logo_url"], saved["website"]) == (good["logo_url"], good["website"])
    orgs = await expect(await client.get("/api/v1/orgs", headers=user.headers), 200)
    assert len(orgs["items"]) == 1
