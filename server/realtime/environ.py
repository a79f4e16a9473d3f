"""The WSGI-like environ of a request, read from the aiohttp request instead of copied."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from aiohttp import web


class RequestEnviron(Mapping[str, Any]):
    """The WSGI-like environ engine.io and python-socketio read, computed from the aiohttp
    request on each read instead of copied: python-socketio keeps a socket's environ as
    long as the socket lives, and the copy (every header under an `HTTP_` key) costs
    about 1.2 KiB per connection. The request itself lives that long anyway (aiohttp's
    handler holds it). Same keys and values as engine.io's `translate_request`."""

    __slots__ = ("request",)

    def __init__(self, request: web.Request) -> None:
        self.request = request

    def __getitem__(self, key: str) -> Any:
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = key.replace("_", "-")
        elif key.startswith("HTTP_") and key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
            name = key[5:].replace("_", "-")
        else:
            return _FIXED[key](self)
        values = self.request.headers.getall(name, None)
        if values is None:
            raise KeyError(key)
        return values[-1] if name in ("CONTENT-TYPE", "CONTENT-LENGTH") else ",".join(values)

    def _header_keys(self) -> Iterator[str]:
        for name in dict.fromkeys(n.upper() for n in self.request.headers):
            if name in ("CONTENT-TYPE", "CONTENT-LENGTH"):
                yield name.replace("-", "_")
            else:
                yield "HTTP_" + name.replace("-", "_")

    def __iter__(self) -> Iterator[str]:
        yield from _FIXED
        yield from self._header_keys()

    def __len__(self) -> int:
        return len(_FIXED) + sum(1 for _ in self._header_keys())


# The keys every environ has, in engine.io's order, each with how it is read.
_FIXED: dict[str, Callable[[RequestEnviron], Any]] = {
    "wsgi.input": lambda e: e.request.content,
    "wsgi.errors": lambda e: sys.stderr,
    "wsgi.version": lambda e: (1, 0),
    "wsgi.async": lambda e: True,
    "wsgi.multithread": lambda e: False,
    "wsgi.multiprocess": lambda e: False,
    "wsgi.run_once": lambda e: False,
    "SERVER_SOFTWARE": lambda e: "aiohttp",
    "REQUEST_METHOD": lambda e: e.request.method,
    "QUERY_STRING": lambda e: e.request.query_string or "",
    "RAW_URI": lambda e: e.request.path_qs,
    "SERVER_PROTOCOL": lambda e: f"HTTP/{e.request.version[0]}.{e.request.version[1]}",
    "REMOTE_ADDR": lambda e: "127.0.0.1",  # as engine.io's aiohttp driver
    "REMOTE_PORT": lambda e: "0",
    "SERVER_NAME": lambda e: "aiohttp",
    "SERVER_PORT": lambda e: "0",
    "aiohttp.request": lambda e: e.request,
    "wsgi.url_scheme": lambda e: e.get("HTTP_X_FORWARDED_PROTO", "http"),
    "PATH_INFO": lambda e: e.request.path,
    "SCRIPT_NAME": lambda e: "",
}
