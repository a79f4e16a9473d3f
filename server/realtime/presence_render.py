"""`presence:list` entries, rendered once per person and status.

A reconnect storm has every socket list its organization: two thousand answers of two
hundred entries, nearly all the same from one answer to the next. Building and dumping a
pydantic model per entry was a tenth of the server's time there; here an entry is built
as JSON-ready values once and reused for as long as the person's status and last_seen
stay the same. The JSON is exactly what `PresenceOf.model_dump(mode="json")` writes
(tests/server/realtime/test_presence_render.py).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from ..services.resource import json_text

Entry = dict[str, str | None]


class Rendered:
    LIMIT = 100_000

    def __init__(self) -> None:
        self._entries: dict[uuid.UUID, tuple[str, datetime | None, Entry]] = {}

    def entry(self, user_id: uuid.UUID, status: str, last_seen: datetime | None) -> Entry:
        """The entry of `user_id`; callers only read it (it is shared between answers)."""
        kept = self._entries.get(user_id)
        if kept is not None and kept[0] == status and kept[1] == last_seen:
            return kept[2]
        if len(self._entries) >= self.LIMIT:
            self._entries.clear()
        made: Entry = {"user_id": str(user_id), "status": status, "last_seen": json_text(last_seen)}
        self._entries[user_id] = (status, last_seen, made)
        return made
