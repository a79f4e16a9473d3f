"""The official JavaScript socket.io-client v4 (run with Node) against the server."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from tests.factories import register
from tests.jsclient import ensure_node_client, run_scenario


@pytest.fixture(scope="module", autouse=True)
def _node_client() -> None:
    ensure_node_client()


def _scenario(
    server: TestServer, clients: list[dict[str, Any]], steps: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "url": str(server.make_url("/")).rstrip("/"),
        "transports": ["websocket"],
        "timeout_ms": 5000,
        "clients": clients,
        "steps": steps,
    }


async def test_reference_client_is_refused_without_a_valid_token(server: TestServer) -> None:
    out = await run_scenario(
        _scenario(
            server,
            [{"name": "anon"}, {"name": "forged", "auth": {"token": "forged"}}],
            [{"client": "anon", "connect": True}, {"client": "forged", "connect": True}],
        )
    )
    for step in out["steps"]:
        assert step["result"]["connected"] is False
        assert step["result"]["error"]["data"]["code"] == "unauthorized"


async def test_reference_client_connects_gets_session_and_error_acks(
    server: TestServer,
    http: TestClient,  # type: ignore[type-arg]
) -> None:
    user = await register(http)
    out = await run_scenario(
        _scenario(
            server,
            [{"name": "a", "auth": {"token": user.access_token}}],
            [
                {"client": "a", "connect": True},
                {"client": "a", "wait_event": "session"},
                {"client": "a", "emit": "no:such:event", "data": {}, "ack": True},
                {"client": "a", "emit": "auth:refresh", "data": {"token": 1}, "ack": True},
                {
                    "client": "a",
                    "emit": "auth:refresh",
                    "data": {"token": user.access_token},
                    "ack": True,
                },
                {"client": "a", "disconnect": True},
            ],
        )
    )
    steps = out["steps"]
    assert all(step["ok"] for step in steps), steps
    assert steps[0]["result"]["connected"] is True
    assert steps[1]["result"]["data"]["user_id"] == str(user.id)
    assert steps[2]["result"]["data"]["error"]["code"] == "validation_error"
    assert steps[3]["result"]["data"]["error"]["code"] == "validation_error"
    assert steps[4]["result"]["data"]["ok"] is True
