"""The HTTP runner: aiohttp's, with problem+json for requests that never reach the app.

A request the HTTP parser refuses (a request line or header over `MAX_LINE_BYTES`, too
many headers, a bad chunk size, TLS on the plain port ...) is answered by aiohttp's
protocol handler before any middleware runs, as `400 text/plain` with a traceback in the
log. Clients and attackers get the same problem+json as everywhere else instead, with the
status that says what to fix, and the log gets one line: such requests are noise, not
server faults.

A connection that becomes a websocket parses no more HTTP: its request parser and its
queue of parsed requests (~1.5 KiB, kept for hours per idle socket) are dropped then.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMessage, ContentEncodingError, LineTooLong
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

from protocol.errors import HTTP_STATUS, ErrorCode

from .rest.errors import problem_response

log = logging.getLogger("aurentia.http")

# aiohttp's defaults, named here because docs/fuzzing.md promises them to clients.
MAX_LINE_BYTES = 8190
MAX_HEADERS = 128


def _problem(
    status: int, exc: BaseException | None, message: str | None
) -> tuple[ErrorCode, str, int]:
    """The code, detail and status of a refused request."""
    if status >= 500:
        code, detail = ErrorCode.INTERNAL, "the server failed to answer"
    elif isinstance(exc, LineTooLong) or (
        isinstance(exc, BadHttpMessage) and "too many headers" in (message or "").lower()
    ):
        code = ErrorCode.HEADERS_TOO_LARGE
        detail = (
            f"the request line and each header may hold at most {MAX_LINE_BYTES} bytes, "
            f"and a request at most {MAX_HEADERS} headers"
        )
    elif isinstance(exc, ContentEncodingError):
        # The parser decodes bodies itself and knows no `br` or `zstd` here.
        code = ErrorCode.UNSUPPORTED_MEDIA_TYPE
        detail = "the body's Content-Encoding is not supported: send it plain, gzip or deflate"
    else:
        code = ErrorCode.BAD_REQUEST
        reason = (message or "").splitlines()[0][:120] if message else "malformed"
        detail = f"the HTTP request could not be parsed: {reason}"
    return code, detail, HTTP_STATUS[code] if status < 500 else status


# Stands for the request queue of a connection that switched to a websocket: empty, and
# kept empty (maxlen 0) should anything append to it; one for all connections.
_NO_MORE_REQUESTS: deque[Any] = deque(maxlen=0)


class ProblemRequestHandler(RequestHandler):
    """aiohttp's protocol handler with its error page replaced by problem+json, and no
    HTTP state kept once the connection is a websocket."""

    __slots__ = ()

    def set_parser(self, parser: Any, data_received_cb: Callable[[], None] | None = None) -> None:
        """aiohttp hands the connection's bytes to the websocket reader from now on.
        The HTTP parser is not used again (aiohttp reads `_parser` only while no payload
        parser is set, or to resume HTTP after a refused upgrade, and sets it to None
        itself when the connection is lost), nor is the queue of parsed requests, which
        is empty: the parser stops at an upgrade request."""
        super().set_parser(parser, data_received_cb)
        if not self._messages:
            self._parser = None
            self._messages = _NO_MORE_REQUESTS

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if request.writer.output_size > 0:
            raise ConnectionError("a response was already sent on this connection")
        if status >= 500:
            log.error("request failed outside the app", exc_info=exc)
        else:
            log.info(
                "malformed request refused",
                extra={"fields": {"remote": request.remote, "reason": type(exc).__name__}},
            )
        code, detail, status = _problem(status, exc, message)
        response = problem_response(code, detail, status=status)
        response.force_close()
        return response


class _ProblemServer(web.Server):
    def __call__(self) -> RequestHandler:
        return ProblemRequestHandler(self, loop=self._loop, **self._kwargs)


class Runner(web.AppRunner):
    """`web.AppRunner` whose connections use `ProblemRequestHandler`."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        # aiohttp builds its Server inside Application._make_handler with no class hook;
        # the subclass adds no state, only the protocol factory.
        server.__class__ = _ProblemServer
        return server
