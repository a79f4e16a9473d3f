"""The server's Socket.IO packet: written by orjson, never searched for binary.

python-socketio walks every payload it sends, item by item, looking for `bytes` to send
as attachments, then writes it with the standard library's json: for a sync answer of
500 messages that walk and that encoding were a tenth of the server's time. Nothing this
server sends holds bytes (every payload is a model dumped in JSON mode), so the walk is
skipped; orjson writes the same JSON. Reading what clients send is left to the library's
parser: its errors are the ones the abuse tests pin down.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from socketio import packet


class _Json:
    """The `json` interface python-socketio calls."""

    loads = staticmethod(packet.Packet.json.loads)

    @staticmethod
    def dumps(data: Any, **_: Any) -> str:
        try:
            return orjson.dumps(data).decode()
        except TypeError:
            # What orjson refuses (a key that is not text, an integer over 64 bits)
            # the standard library still writes, as before.
            return json.dumps(data, separators=(",", ":"))


class JsonPacket(packet.Packet):  # type: ignore[misc]
    uses_binary_events = False
    json = _Json
