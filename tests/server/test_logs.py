"""Structured logs: an id on every line, one access line per request and event, and never
a secret or a message's text."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from server.logs import JsonFormatter
from tests.factories import PASSWORD, Client, expect, register
from tests.server.realtime.chatkit import joined, make_org

CONTENT = "confidential: the Dupont margin is 42 percent"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Every line the server logs at INFO and above while the test runs, as written."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


async def test_lines_carry_ids_and_no_secret_or_content(
    server: Any, http: Client, captured: io.StringIO
) -> None:
    org = await make_org(http)
    login = await expect(
        await http.post(
            "/api/v1/auth/login", json={"email": org.owner.email, "password": PASSWORD}
        ),
        200,
    )
    wrong = await http.post(
        "/api/v1/auth/login", json={"email": org.owner.email, "password": "not-it-" + PASSWORD}
    )
    assert wrong.status == 401
    tampered = await http.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {login['access_token']}x"}
    )
    assert tampered.status == 401
    peer = await joined(server, org.owner, org.ref())
    try:
        payload = {"channel": org.ref(), "content": CONTENT, "client_msg_id": "log-1"}
        assert (await peer.call("message:send", payload))["ok"]
    finally:
        await peer.close()
    other = await register(http)
    text = captured.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]

    assert lines, "nothing was logged at INFO"
    served = [line for line in lines if line["logger"].startswith("aurentia")]
    assert all(line.get("request_id") for line in served), [
        line for line in served if not line.get("request_id")
    ]
    requests = [line for line in lines if line["msg"] == "request"]
    assert {(r["method"], r["route"], r["status"]) for r in requests} >= {
        ("POST", "/api/v1/auth/login", 200),
        ("POST", "/api/v1/auth/login", 401),
        ("GET", "/api/v1/me", 401),
    }
    failing = wrong.headers["X-Request-ID"]
    assert any(r["request_id"] == failing and r["status"] == 401 for r in requests)
    events = [line for line in lines if line["msg"] == "event"]
    (sent,) = [e for e in events if e["event"] == "message:send"]
    assert sent["outcome"] == "ok" and sent["duration_ms"] >= 0
    assert sent["user_id"] == str(org.owner.id)
    assert sent["request_id"] not in {r["request_id"] for r in requests}

    for secret in (
        PASSWORD,
        login["access_token"],
        login["refresh_token"],
        org.owner.access_token,
        other.access_token,
        CONTENT,
        "Bearer",
        "Authorization",
    ):
        assert secret not in text, f"{secret[:12]}... reached the log"
