"""`GET /api/v1/orgs/{org}/messages/search` (full-text search of the caller's messages)
and `GET /api/v1/orgs/{org}/search` (messages, tasks, projects and clients)."""

from __future__ import annotations

from aiohttp import web

from protocol.chat import MessageSearchQuery, SearchHit
from protocol.common import Page
from protocol.search import SearchQuery, SearchResult

from ..services.chat import global_search, search
from .resource import Op, Serve

routes = web.RouteTableDef()

Serve(routes, tags=["chat"]).get(
    "/api/v1/orgs/{org}/messages/search",
    Op(
        "Search the messages of every channel the caller can read",
        [404],
        doc="""Ranked best first; every word of `q` must appear (French stemming on PostgreSQL,
        accent-folding on SQLite). `next_cursor` pages through at most 1000 results.""",
        call=search.search,
    ),
    query=MessageSearchQuery,
    out=Page[SearchHit],
    name="search_messages",
    path_first=True,
)
Serve(routes, tags=["search"]).get(
    "/api/v1/orgs/{org}/search",
    Op(
        "Search messages, tasks, projects and clients the caller can read",
        [404],
        doc="""Web-search syntax ("phrases", -exclude, OR); accents ignored and French word forms
        matched on both engines; each hit with a highlighted snippet, best first.""",
        call=global_search.search,
    ),
    query=SearchQuery,
    out=Page[SearchResult],
    name="search_everything",
    path_first=True,
)
