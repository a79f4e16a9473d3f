"""`GET /api/v1/orgs/{org}/messages/search`: full-text search of the caller's messages."""

from __future__ import annotations

from aiohttp import web

from protocol.chat import MessageSearchQuery, SearchHit
from protocol.common import Page
from protocol.search import SearchQuery, SearchResult

from ..services.chat import global_search, search
from .context import actor, services
from .json import json_response, parse_query, path_uuid
from .openapi import api

routes = web.RouteTableDef()


@routes.get("/api/v1/orgs/{org}/messages/search")
@api(
    "Search the messages of every channel the caller can read",
    tags=["chat"],
    query=MessageSearchQuery,
    response=Page[SearchHit],
    errors=[404],
)
async def search_messages(request: web.Request) -> web.Response:
    """Ranked best first; every word of `q` must appear (French stemming on PostgreSQL,
    accent-folding on SQLite). `next_cursor` pages through at most 1000 results."""
    org_id = path_uuid(request, "org")
    caller = await actor(request)
    query = parse_query(request, MessageSearchQuery)
    return json_response(await search.search(services(request), caller, org_id, query))


@routes.get("/api/v1/orgs/{org}/search")
@api(
    "Search messages, tasks, projects and clients the caller can read",
    tags=["search"],
    query=SearchQuery,
    response=Page[SearchResult],
    errors=[404],
)
async def search_everything(request: web.Request) -> web.Response:
    """Web-search syntax ("phrases", -exclude, OR); accents ignored and French word forms
    matched on both engines; each hit with a highlighted snippet, best first."""
    org_id = path_uuid(request, "org")
    caller = await actor(request)
    query = parse_query(request, SearchQuery)
    return json_response(await global_search.search(services(request), caller, org_id, query))
