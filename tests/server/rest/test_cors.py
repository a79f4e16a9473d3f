"""CORS: an explicit allow-list for REST and Socket.IO, never `*`."""

from __future__ import annotations

from typing import Any

import pytest
import socketio
from pydantic import ValidationError

from server.settings import Settings
from tests.conftest import TEST_JWT_SECRET, AppFactory
from tests.factories import create_org, register
from tests.sio import Peer

APP_ORIGIN = "https://app.example.com"
EVIL_ORIGIN = "https://evil.example.net"


def _preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }


async def test_preflight_from_a_listed_origin_is_answered_with_that_origin(
    make_app: AppFactory, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(make_app(cors_allowed_origins=[APP_ORIGIN]))
    resp = await client.options("/api/v1/orgs", headers=_preflight(APP_ORIGIN))
    assert resp.status == 204
    assert resp.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    assert "POST" in resp.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in resp.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in resp.headers


async def test_preflight_from_another_origin_is_refused_without_cors_headers(
    make_app: AppFactory, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(make_app(cors_allowed_origins=[APP_ORIGIN]))
    resp = await client.options("/api/v1/orgs", headers=_preflight(EVIL_ORIGIN))
    assert resp.status == 403
    assert resp.content_type == "application/problem+json"
    assert "Access-Control-Allow-Origin" not in resp.headers


async def test_by_default_no_origin_is_allowed_and_nothing_says_star(
    make_app: AppFactory, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(make_app())
    resp = await client.options("/api/v1/orgs", headers=_preflight(APP_ORIGIN))
    assert resp.status == 403
    resp = await client.get("/api/v1/orgs", headers={"Origin": APP_ORIGIN})
    assert "Access-Control-Allow-Origin" not in resp.headers


async def test_answers_to_a_listed_origin_carry_it_errors_and_streams_included(
    make_app: AppFactory, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(make_app(cors_allowed_origins=[APP_ORIGIN]))
    denied = await client.get("/api/v1/orgs", headers={"Origin": APP_ORIGIN})
    assert denied.status == 401  # the browser app can read why
    assert denied.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    assert "X-Request-ID" in denied.headers["Access-Control-Expose-Headers"]
    user = await register(client)
    org = await create_org(client, user)
    csv = await client.get(
        f"/api/v1/orgs/{org['id']}/invoices.csv", headers={**user.headers, "Origin": APP_ORIGIN}
    )
    assert csv.status == 200
    assert csv.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    other = await client.get("/api/v1/orgs", headers={**user.headers, "Origin": EVIL_ORIGIN})
    assert other.status == 200
    assert "Access-Control-Allow-Origin" not in other.headers


@pytest.mark.parametrize("origins", [["*"], ["https://app.example.com/"], ["app.example.com"]])
def test_a_wildcard_or_malformed_origin_is_a_bad_setting(origins: list[str]) -> None:
    with pytest.raises(ValidationError, match="not an origin"):
        Settings(jwt_secret=TEST_JWT_SECRET, cors_allowed_origins=origins)


async def _socket_accepts(server: Any, token: str, origin: str) -> bool:
    peer = Peer()
    try:
        await peer.connect(server, token, headers={"Origin": origin})
    except socketio.exceptions.ConnectionError:
        return False
    await peer.close()
    return True


async def test_socket_io_takes_the_same_list(
    make_app: AppFactory, aiohttp_server: Any, aiohttp_client: Any
) -> None:
    server = await aiohttp_server(make_app(cors_allowed_origins=[APP_ORIGIN]))
    user = await register(await aiohttp_client(server))
    assert await _socket_accepts(server, user.access_token, APP_ORIGIN)
    assert not await _socket_accepts(server, user.access_token, EVIL_ORIGIN)


async def test_socket_io_with_an_empty_list_allows_its_own_origin_only(
    make_app: AppFactory, aiohttp_server: Any, aiohttp_client: Any
) -> None:
    """python-socketio reads `None` as same-origin only (an empty list would refuse even
    that); `*` would allow everyone, which the settings refuse."""
    server = await aiohttp_server(make_app())
    user = await register(await aiohttp_client(server))
    own = f"http://{server.host}:{server.port}"
    assert await _socket_accepts(server, user.access_token, own)
    assert not await _socket_accepts(server, user.access_token, EVIL_ORIGIN)
