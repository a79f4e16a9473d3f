"""`/api/v1/mail/unsubscribe`: one-click unsubscribe from the notification digest.

A mail client that honours RFC 8058 POSTs `List-Unsubscribe=One-Click` to the URL of
the `List-Unsubscribe` header. A person clicking the link in the mail GETs it: a GET
changes nothing (link scanners open every URL) and answers a page with one button that
POSTs.
"""

from __future__ import annotations

from html import escape

from aiohttp import web

from protocol.accounts import UnsubscribeQuery

from ..services.chat import digest
from .context import services
from .json import parse_query
from .openapi import api

routes = web.RouteTableDef()
HTML = "text/html"

_CONFIRM = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{product}</title>
</head><body><form method="post" action="?token={token}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<p>Ne plus recevoir les résumés de notifications de {product} ? /
Stop the notification digests of {product}?</p>
<button type="submit">Me désabonner / Unsubscribe</button></form></body></html>"""

_DONE = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{product}</title>
</head><body><p>C'est fait : vous ne recevrez plus ces mails. /
Done: you will not receive these mails any more.</p></body></html>"""


@routes.get("/api/v1/mail/unsubscribe")
@api(
    "A page confirming the unsubscribe (a GET changes nothing)",
    tags=["auth"],
    auth=False,
    query=UnsubscribeQuery,
    content_type=HTML,
)
async def confirm_page(request: web.Request) -> web.Response:
    query = parse_query(request, UnsubscribeQuery)
    product = escape(services(request).settings.product_name)
    page = _CONFIRM.format(product=product, token=escape(query.token))
    return web.Response(text=page, content_type=HTML)


@routes.post("/api/v1/mail/unsubscribe")
@api(
    "One-click unsubscribe from the notification digest (RFC 8058)",
    tags=["auth"],
    auth=False,
    query=UnsubscribeQuery,
    content_type=HTML,
    errors=[404],
)
async def unsubscribe(request: web.Request) -> web.Response:
    query = parse_query(request, UnsubscribeQuery)
    svc = services(request)
    await digest.unsubscribe(svc, query.token)
    return web.Response(
        text=_DONE.format(product=escape(svc.settings.product_name)), content_type=HTML
    )
