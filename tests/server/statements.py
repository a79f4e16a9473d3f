"""Counting the SQL statements one HTTP request runs, for tests that hold a route to a
number of queries independent of how many rows it answers.

Only the statements run for a request carrying `COUNT_HEADER` are counted: the server's
background work (mail outbox, digest, presence sweep, analytics job) shares the engine
and would otherwise blur the count. The marker travels in a context variable, which
SQLAlchemy's async layer hands on to the greenlet that runs the cursor.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from sqlalchemy import event

from server.keys import ENGINE

COUNT_HEADER = "X-Test-Count-Statements"
_counting: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "counting_statements", default=None
)
_STATEMENTS = web.AppKey("test_statements", list)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def _mark_counted(request: web.Request, handler: Handler) -> web.StreamResponse:
    if COUNT_HEADER not in request.headers:
        return await handler(request)
    token = _counting.set(request.app[_STATEMENTS])
    try:
        return await handler(request)
    finally:
        _counting.reset(token)


def install(app: web.Application) -> None:
    """Count the statements of marked requests (call before the app starts)."""
    app.middlewares.insert(0, _mark_counted)
    app[_STATEMENTS] = []

    async def listen(app: web.Application) -> None:
        def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            sink = _counting.get()
            if sink is not None:
                sink.append(statement)

        event.listen(app[ENGINE].sync_engine, "before_cursor_execute", record)

    app.on_startup.append(listen)


def statements(app: web.Application) -> list[str]:
    """The statements counted so far (emptied by the caller between requests)."""
    found: list[str] = app[_STATEMENTS]
    return found
