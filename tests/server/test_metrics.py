"""`GET /metrics`: Prometheus text whose figures move with what the server does."""

from __future__ import annotations

import asyncio
from typing import Any

from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from tests.conftest import AppFactory
from tests.factories import Client, create_org, expect, register
from tests.server.realtime.chatkit import joined, make_org


async def scrape(http: Client, **headers: str) -> dict[tuple[str, frozenset[Any]], float]:
    resp = await http.get("/metrics", headers=headers)
    assert resp.status == 200, await resp.text()
    assert resp.headers["Content-Type"].startswith("text/plain")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(await resp.text())
        for s in family.samples
    }


def value(samples: dict[tuple[str, frozenset[Any]], float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_http_requests_are_counted_by_route_template_and_status(http: Client) -> None:
    user = await register(http)
    org = await create_org(http, user)
    route = "/api/v1/orgs/{org}"
    before = await scrape(http)
    for _ in range(2):
        await expect(await http.get(f"/api/v1/orgs/{org['id']}", headers=user.headers), 200)
    await expect(await http.get(f"/api/v1/orgs/{org['id']}"), 401)
    await expect(await http.get("/api/v1/no-such-thing"), 404)
    after = await scrape(http)
    ok = {"method": "GET", "route": route, "status": "200"}
    assert (
        value(after, "aurentia_http_requests_total", **ok)
        - value(before, "aurentia_http_requests_total", **ok)
        == 2
    )
    denied = {**ok, "status": "401"}
    assert value(after, "aurentia_http_requests_total", **denied) > value(
        before, "aurentia_http_requests_total", **denied
    )
    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    assert value(after, "aurentia_http_requests_total", **unmatched) > value(
        before, "aurentia_http_requests_total", **unmatched
    )
    timed = {"method": "GET", "route": route}
    assert (
        value(after, "aurentia_http_request_seconds_count", **timed)
        - value(before, "aurentia_http_request_seconds_count", **timed)
        == 3
    )
    assert not any(str(org["id"]) in str(labels) for _, labels in after)


async def test_sockets_events_acks_and_stored_messages_move(server: Any, http: Client) -> None:
    org = await make_org(http)
    before = await scrape(http)
    peer = await joined(server, org.owner, org.ref())
    try:
        connected = await scrape(http)
        assert value(connected, "aurentia_connected_sockets") == (
            value(before, "aurentia_connected_sockets") + 1
        )
        payload = {"channel": org.ref(), "content": "hello", "client_msg_id": "m-1"}
        assert (await peer.call("message:send", payload))["ok"]
        assert (await peer.call("message:send", payload))["ok"]  # a retry stores nothing
        assert not (await peer.call("no:such:event", {}))["ok"]
        after = await scrape(http)
    finally:
        await peer.close()

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("aurentia_socket_events_total", event="message:send", outcome="ok") == 2
    assert moved("aurentia_socket_events_total", event="channel:join", outcome="ok") == 1
    assert moved("aurentia_socket_events_total", event="(unknown)", outcome="validation_error") == 1
    assert moved("aurentia_socket_ack_seconds_count", event="message:send") == 2
    assert moved("aurentia_messages_stored_total") == 1
    # The server hears of the close a moment later.
    gone = value(before, "aurentia_connected_sockets")
    for _ in range(200):
        if value(await scrape(http), "aurentia_connected_sockets") == gone:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the closed socket is still counted")


async def test_database_pool_use_is_sampled_at_scrape_time(http: Client) -> None:
    samples = await scrape(http)
    assert value(samples, "aurentia_db_pool_connections", state="size") >= 1
    assert value(samples, "aurentia_db_pool_connections", state="checked_out") >= 0
    assert ("aurentia_db_pool_connections", frozenset({("state", "idle")})) in samples


async def test_a_metrics_token_is_required_once_configured(
    make_app: AppFactory, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(make_app(metrics_token=SecretStr("scrape-" + "s" * 24)))
    resp = await client.get("/metrics")
    assert resp.status == 401
    assert resp.content_type == "application/problem+json"
    wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status == 401
    samples = await scrape(client, Authorization="Bearer scrape-" + "s" * 24)
    assert ("aurentia_connected_sockets", frozenset()) in samples
