"""The Aurentia server with a timeline of where its time went, for bench/tails.py.

Run as `python -m bench.traced_server serve --port N` with `TRACE_FILE` set: the same
server as `python -m server.cli`, plus three kinds of intervals (wall-clock seconds,
`time.time()`), written to `TRACE_FILE` as JSON when the process exits:
- `request`: one per HTTP request or Socket.IO event, from the access log's line (its
  request id, X-Request-ID when the client sent one, and its duration);
- `db`: each statement, from SQLAlchemy's cursor-execute events (the round trip to
  PostgreSQL, its execution and the rows' transfer);
- `gc`: each pass of the cyclic garbage collector, with its generation.
Nothing here changes what the server does, but for `TRACE_GC_YOUNG` (the young
generation's threshold, server.cli.GC_YOUNG_THRESHOLD by default) when it is set.
"""

from __future__ import annotations

import atexit
import gc
import json
import logging
import os
import sys
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from server import cli
from server.logs import request_id_var

TIMELINE: dict[str, list[Any]] = {"request": [], "db": [], "gc": []}
_gc_started = [0.0]


def _on_gc(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _gc_started[0] = time.time()
    else:
        TIMELINE["gc"].append((_gc_started[0], time.time(), info["generation"]))


@event.listens_for(Engine, "before_cursor_execute")
def _before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
    conn.info.setdefault("bench_started", []).append(time.time())


@event.listens_for(Engine, "after_cursor_execute")
def _after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
    TIMELINE["db"].append((conn.info["bench_started"].pop(), time.time()))


class _Requests(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        fields = getattr(record, "fields", {})
        if "duration_ms" in fields:
            end = record.created
            begin = end - fields["duration_ms"] / 1000
            TIMELINE["request"].append((begin, end, request_id_var.get(), fields.get("event")))


def _dump() -> None:
    with open(os.environ["TRACE_FILE"], "w") as out:
        json.dump(TIMELINE, out)


def main() -> None:
    gc.callbacks.append(_on_gc)
    if os.environ.get("TRACE_GC_YOUNG"):  # to compare with another threshold
        cli.GC_YOUNG_THRESHOLD = int(os.environ["TRACE_GC_YOUNG"])
    atexit.register(_dump)
    access = logging.getLogger("aurentia.access")
    access.addHandler(_Requests())
    # The root logger stays at the bench's WARNING: only this handler hears INFO.
    access.setLevel(logging.INFO)
    access.propagate = False
    cli.main(sys.argv[1:])


if __name__ == "__main__":
    main()
