"""`GET /docs`: the OpenAPI document rendered for people by Swagger UI.

The Swagger UI files come from the `swagger-ui-py` package and are served by this server:
the page fetches nothing from the internet, and its Content-Security-Policy forbids it
to. (`swagger-ui-bundle` was passed over: it ships Swagger UI 4, which cannot read
OpenAPI 3.1.)
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from aiohttp import web

DOCS_PATH = "/docs"
DOCS_STATIC = "/docs/static"


def swagger_ui_dir() -> Path | None:
    """The Swagger UI files of `swagger-ui-py`, found without importing the package."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        return None
    static = Path(next(iter(spec.submodule_search_locations))) / "static"
    return static if (static / "swagger-ui-bundle.js").is_file() else None


# Relative URLs, so that the page also works behind a path prefix.
_DOCS_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Aurentia API</title>
<link rel="stylesheet" href="docs/static/swagger-ui.css">
</head>
<body>
<noscript><a href="api/v1/openapi.json">The OpenAPI document</a></noscript>
<div id="swagger-ui"></div>
<script src="docs/static/swagger-ui-bundle.js"></script>
<script src="docs/init.js"></script>
</body>
</html>
"""

_DOCS_INIT = """window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "api/v1/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
});
"""

_DOCS_FALLBACK = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Aurentia API</title></head>
<body><p>The interactive documentation is not installed (package swagger-ui-py).
Read <a href="api/v1/openapi.json">the OpenAPI document</a>.</p></body></html>
"""

# Swagger UI sets inline styles; everything else comes from this server only.
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


def setup(app: web.Application) -> None:
    static = swagger_ui_dir()
    page = _DOCS_HTML if static is not None else _DOCS_FALLBACK
    headers = {"Content-Security-Policy": _CSP}

    async def docs(_request: web.Request) -> web.Response:
        return web.Response(text=page, content_type="text/html", headers=headers)

    async def docs_init(_request: web.Request) -> web.Response:
        return web.Response(text=_DOCS_INIT, content_type="text/javascript", headers=headers)

    app.router.add_get(DOCS_PATH, docs)
    if static is not None:
        app.router.add_get(f"{DOCS_PATH}/init.js", docs_init)
        app.router.add_static(DOCS_STATIC, static)
