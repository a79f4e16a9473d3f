"""Requests the HTTP parser refuses get problem+json like every other error, from the real
`aurentia serve` (its runner, server/runner.py), over a raw socket: no client library
would send these bytes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import orjson
import pytest

from tests.serverproc import ServerProcess


@pytest.fixture(scope="module")
async def live(database_url: str, redis_url: str | None) -> AsyncIterator[ServerProcess]:
    proc = ServerProcess(database_url, redis_url)
    try:
        yield await proc.start()
    finally:
        proc.stop()


async def _exchange(proc: ServerProcess, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send `raw`, read the whole answer: reading to the end proves the server closed
    the connection after refusing (it cannot tell where a malformed request ends)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", proc.port)
    try:
        writer.write(raw)
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), timeout=10)
    finally:
        writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


def _problem(status: int, headers: dict[str, str], body: bytes) -> dict[str, object]:
    assert headers["content-type"].startswith("application/problem+json")
    problem = orjson.loads(body)
    assert problem["status"] == status
    return problem


async def test_a_request_line_over_the_limit_is_431_problem_json(live: ServerProcess) -> None:
    raw = b"GET /api/v1/" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    status, headers, body = await _exchange(live, raw)
    assert status == 431
    problem = _problem(status, headers, body)
    assert problem["code"] == "headers_too_large"
    assert "8190 bytes" in str(problem["detail"])


async def test_a_header_over_the_limit_is_431_problem_json(live: ServerProcess) -> None:
    raw = b"GET /healthz HTTP/1.1\r\nHost: x\r\nCookie: " + b"c" * 9000 + b"\r\n\r\n"
    status, headers, body = await _exchange(live, raw)
    assert status == 431
    assert _problem(status, headers, body)["code"] == "headers_too_large"


async def test_too_many_headers_is_431_problem_json(live: ServerProcess) -> None:
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(200))
    status, headers, body = await _exchange(
        live, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n"
    )
    assert status == 431
    assert _problem(status, headers, body)["code"] == "headers_too_large"


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", id="tls-on-plain-port"
        ),
        pytest.param(b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", id="unknown-version"),
        pytest.param(b"GET /healthz HTTP/1.1\r\nHo st: x\r\n\r\n", id="space-in-header-name"),
        pytest.param(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"zz\r\n",
            id="bad-chunk-size",
        ),
        pytest.param(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
            b"Content-Length: 3\r\n\r\n{}",
            id="two-content-lengths",
        ),
    ],
)
async def test_a_malformed_request_is_400_problem_json(live: ServerProcess, raw: bytes) -> None:
    status, headers, body = await _exchange(live, raw)
    assert status == 400
    problem = _problem(status, headers, body)
    assert problem["code"] == "bad_request"
    assert str(problem["detail"]).startswith("the HTTP request could not be parsed")


@pytest.mark.parametrize("coding", [b"br", b"zstd"])
async def test_an_unsupported_content_coding_is_415_problem_json(
    live: ServerProcess, coding: bytes
) -> None:
    raw = (
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Encoding: " + coding + b"\r\nContent-Length: 4\r\n\r\nabcd"
    )
    status, headers, body = await _exchange(live, raw)
    assert status == 415
    problem = _problem(status, headers, body)
    assert problem["code"] == "unsupported_media_type"
    assert "gzip or deflate" in str(problem["detail"])


async def test_the_server_answers_normally_after_malformed_requests(live: ServerProcess) -> None:
    await _exchange(live, b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n")
    status, _, body = await _exchange(
        live, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    assert status == 200
    assert orjson.loads(body) == {"status": "ok"}
    assert "Traceback" not in live.log_text()
