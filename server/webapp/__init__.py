"""The web app (web/ built into server/webapp/dist/), served by the server itself at /app.

Shipping the built files inside the Python package means `pip install` plus `aurentia serve`
give a working browser app with no Node at run time (docs/webapp.md). Three kinds of answer:

- `/app/assets/<name>`: a file of the build, looked up by exact name in a table made at
  start-up (so no path from a request ever reaches the file system: no traversal); the
  names carry a content hash, so they are cached for a year as immutable. Anything else
  under /app/assets is 404.
- every other path under /app: index.html (the app routes in the browser), never cached,
  with a strict Content-Security-Policy (scripts, styles and connections from this origin).
- `/`, and the links mails point to (`/reset-password`, `/verify-email`), redirect into it.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

DIST = Path(__file__).parent / "dist"
PREFIX = "/app"
IMMUTABLE = "public, max-age=31536000, immutable"
# A Host header is echoed in connect-src only when it looks like one (no injection).
_HOST = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")
_ASSETS = web.AppKey("webapp_assets", dict[str, tuple[bytes, str]])
_INDEX = web.AppKey("webapp_index", bytes)


def csp(host: str | None) -> str:
    """The policy of every /app page. `'self'` already covers same-origin WebSockets in
    CSP 3; the explicit ws:/wss: origin is for browsers that predate it."""
    sockets = f" ws://{host} wss://{host}" if host and _HOST.match(host) else ""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        f"font-src 'self'; connect-src 'self'{sockets}; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )


def _security(response: web.StreamResponse, request: web.Request) -> None:
    response.headers["Content-Security-Policy"] = csp(request.host)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"


def load(dist: Path = DIST) -> tuple[bytes, dict[str, tuple[bytes, str]]]:
    """index.html and every file under assets/, read once (the build is small)."""
    index_path = dist / "index.html"
    index = index_path.read_bytes() if index_path.is_file() else _MISSING
    assets: dict[str, tuple[bytes, str]] = {}
    folder = dist / "assets"
    if folder.is_dir():
        for path in folder.iterdir():
            if path.is_file():
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                assets[path.name] = (path.read_bytes(), kind)
    return index, assets


_MISSING = (
    b"<!doctype html><html lang='en'><meta charset='utf-8'><title>Aurentia</title>"
    b"<p>The web app was not built: run <code>npm ci && npm run build</code> in web/.</p>"
)


async def index(request: web.Request) -> web.Response:
    """The app's single page, for /app and every client-side route under it."""
    response = web.Response(body=request.app[_INDEX], content_type="text/html", charset="utf-8")
    response.headers["Cache-Control"] = "no-cache"
    _security(response, request)
    return response


async def asset(request: web.Request) -> web.Response:
    """A hashed file of the build, by exact name; 404 for anything else."""
    found = request.app[_ASSETS].get(request.match_info["name"])
    if found is None:
        raise web.HTTPNotFound()
    body, kind = found
    response = web.Response(body=body, content_type=kind)
    response.headers["Cache-Control"] = IMMUTABLE
    _security(response, request)
    return response


def _redirect(target: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        """Into the app, keeping the query (a mailed token)."""
        query = f"?{request.query_string}" if request.query_string else ""
        raise web.HTTPFound(f"{target}{query}")

    return handler


def setup(app: web.Application, dist: Path = DIST) -> None:
    """Register the app's routes (none of them under /api: OpenAPI does not list them)."""
    app[_INDEX], app[_ASSETS] = load(dist)
    app.router.add_get("/", _redirect(f"{PREFIX}/"))
    app.router.add_get("/reset-password", _redirect(f"{PREFIX}/reset-password"))
    app.router.add_get("/verify-email", _redirect(f"{PREFIX}/verify-email"))
    app.router.add_get(PREFIX, index)
    app.router.add_get(f"{PREFIX}/assets/{{name}}", asset)
    app.router.add_get(f"{PREFIX}/assets/{{tail:.*}}", _not_found)
    app.router.add_get(f"{PREFIX}/{{tail:.*}}", index)


async def _not_found(request: web.Request) -> web.Response:
    """A nested or unknown path under assets/ is never the page."""
    raise web.HTTPNotFound()
