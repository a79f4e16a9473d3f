"""The bare python-socketio broadcast server for bench/run.py: the same events as
node_server.mjs, on aiohttp, with python-socketio's own fan-out.

python-engineio's aiohttp driver leaves aiohttp's permessage-deflate on, with no setting;
like the Node reference server (and Aurentia by default), this one turns it off unless
BARE_WS_COMPRESSION=1, by giving the driver a WebSocketResponse with compress=False.

Usage: python bench/bare_server.py PORT
"""

from __future__ import annotations

import functools
import os
import sys
from typing import Any

import socketio
from aiohttp import web
from engineio.async_drivers import aiohttp as eio_aiohttp

if os.environ.get("BARE_WS_COMPRESSION", "0") != "1":
    eio_aiohttp.WebSocketResponse = functools.partial(web.WebSocketResponse, compress=False)

sio = socketio.AsyncServer(async_mode="aiohttp", logger=False, engineio_logger=False)
app = web.Application()
sio.attach(app)
state = {"seq": 0}


async def healthz(_: web.Request) -> web.Response:
    return web.Response(text="ok")


app.router.add_get("/healthz", healthz)


@sio.event
async def join(sid: str, data: dict[str, Any]) -> dict[str, Any]:
    await sio.enter_room(sid, data["room"])
    return {"ok": True}


@sio.event
async def send(sid: str, data: dict[str, Any]) -> dict[str, Any]:
    state["seq"] += 1
    payload = {"room": data["room"], "content": data["content"], "seq": state["seq"]}
    await sio.emit("message:new", payload, room=data["room"])
    return {"ok": True, "seq": state["seq"]}


if __name__ == "__main__":
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
