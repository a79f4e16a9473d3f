"""The WSGI-like environ of a request, read from the aiohttp request instead of copied."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from typing import Any

from aiohttp import web


class RequestEnviron(Mapping[str, Any]):
    """The WSGI-like environ engine.io and python-socketio read, computed from the aiohttp
    request on each read instead of copied: python-socketio keeps a socket's environ as
    long as the socket lives, and the copy (every header under an `HTTP_` key) costs
    about 1.2 KiB per connection. The request itself lives that long anyway (aiohttp's
    handler holds it). Same keys and values as engine.io's `translate_request`."""

    __slots__ = ("request",)

    _FIXED = (
        "wsgi.input",
        "wsgi.errors",
        "wsgi.version",
        "wsgi.async",
        "wsgi.multithread",
        "wsgi.multiprocess",
        "wsgi.run_once",
        "SERVER_SOFTWARE",
        "REQUEST_METHOD",
        "QUERY_STRING",
        "RAW_URI",
        "SERVER_PROTOCOL",
        "REMOTE_ADDR",
        "REMOTE_PORT",
        "SERVER_NAME",
        "SERVER_PORT",
        "aiohttp.request",
        "wsgi.url_scheme",
        "PATH_INFO",
        "SCRIPT_NAME",
    )

    def __init__(self, request: web.Request) -> None:
        self.request = request

    def _fixed(self, key: str) -> Any:
        r = self.request
        match key:
            case "wsgi.input":
                return r.content
            case "wsgi.errors":
                return sys.stderr
            case "wsgi.version":
                return (1, 0)
            case "wsgi.async":
                return True
            case "wsgi.multithread" | "wsgi.multiprocess" | "wsgi.run_once":
                return False
            case "SERVER_SOFTWARE" | "SERVER_NAME":
                return "aiohttp"
            case "REQUEST_METHOD":
                return r.method
            case "QUERY_STRING":
                return r.query_string or ""
            case "RAW_URI":
                return r.path_qs
            case "SERVER_PROTOCOL":
                return f"HTTP/{r.version[0]}.{r.version[1]}"
            case "REMOTE_ADDR":
                return "127.0.0.1"  # as engine.io's aiohttp driver
            case "REMOTE_PORT" | "SERVER_PORT":
                return "0"
            case "aiohttp.request":
                return r
            case "wsgi.url_scheme":
                return self.get("HTTP_X_FORWARDED_PROTO", "http")
            case "PATH_INFO":
                return r.path
            case "SCRIPT_NAME":
                return ""
        raise KeyError(key)

    def __getitem__(self, key: str) -> Any:
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = key.replace("_", "-")
        elif key.startswith("HTTP_") and key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
            name = key[5:].replace("_", "-")
        else:
            return self._fixed(key)
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
        yield from self._FIXED
        yield from self._header_keys()

    def __len__(self) -> int:
        return len(self._FIXED) + sum(1 for _ in self._header_keys())
