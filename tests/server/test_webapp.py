"""The web app at /app: index with a strict CSP and no-cache, hashed assets cached for a
year, SPA routes answered by the page, unknown assets and traversal refused, `/` and the
mailed links redirected into it."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from server.webapp import DIST, IMMUTABLE

Client = TestClient[web.Request, web.Application]


def _built_asset() -> str:
    names = sorted(p.name for p in (DIST / "assets").iterdir() if p.suffix == ".js")
    assert names, "server/webapp/dist is empty: build web/ (npm run build)"
    return names[0]


async def test_index_has_the_csp_and_is_not_cached(client: Client) -> None:
    resp = await client.get("/app")
    assert resp.status == 200
    assert resp.content_type == "text/html"
    assert resp.headers["Cache-Control"] == "no-cache"
    policy = resp.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self';" in policy and "style-src 'self';" in policy
    assert "connect-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    body = await resp.text()
    assert f"/app/assets/{_built_asset()}" in body
    assert "<script>" not in body and "style=" not in body  # nothing inline


async def test_spa_routes_fall_back_to_the_index(client: Client) -> None:
    index = await (await client.get("/app")).text()
    for path in ("/app/", "/app/chat", "/app/projects/3f1c7c36-6a43-4d0b-9a3e-0d6a1d8e0f11/health"):
        resp = await client.get(path)
        assert resp.status == 200, path
        assert await resp.text() == index
        assert resp.headers["Cache-Control"] == "no-cache"


async def test_hashed_assets_are_immutable(client: Client) -> None:
    name = _built_asset()
    resp = await client.get(f"/app/assets/{name}")
    assert resp.status == 200
    assert resp.headers["Cache-Control"] == IMMUTABLE
    assert resp.content_type in ("text/javascript", "application/javascript")
    assert (await resp.read()) == (DIST / "assets" / name).read_bytes()


async def test_unknown_assets_and_traversal_are_refused(client: Client) -> None:
    for path in (
        "/app/assets/nothing-here.js",
        "/app/assets/",
        "/app/assets/..%2f..%2f__init__.py",
        "/app/assets/%2e%2e/%2e%2e/__init__.py",
        "/app/assets/sub/dir.js",
    ):
        resp = await client.get(path)
        assert resp.status == 404, path
        assert b"def setup" not in await resp.read()
    # Elsewhere under /app a dotted path is only ever the page, never a file.
    for path in ("/app/..%2f..%2fserver%2fapp.py", "/app/assets/../../server/app.py"):
        resp = await client.get(path)
        assert resp.status in (200, 404), path
        assert b"create_app" not in await resp.read()


async def test_root_and_mailed_links_redirect_into_the_app(client: Client) -> None:
    resp = await client.get("/", allow_redirects=False)
    assert resp.status == 302
    assert resp.headers["Location"] == "/app/"
    resp = await client.get("/reset-password?token=abc_123", allow_redirects=False)
    assert resp.headers["Location"] == "/app/reset-password?token=abc_123"
    resp = await client.get("/verify-email?token=xyz", allow_redirects=False)
    assert resp.headers["Location"] == "/app/verify-email?token=xyz"


async def test_the_api_is_not_shadowed(client: Client) -> None:
    resp = await client.get("/api/v1/nothing-here")
    assert resp.status == 404
    assert resp.content_type == "application/problem+json"


def test_the_build_is_package_data() -> None:
    """`pip install` ships the build: pyproject.toml lists it as the server's data."""
    import tomllib

    root = DIST.parent.parent.parent
    data = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    globs = data["package-data"]["server"]
    assert "webapp/dist/*" in globs and "webapp/dist/assets/*" in globs
    assert (DIST / "index.html").is_file()
