"""Messages typed by the user, kept (optionally in a JSON file) until the server stored
them, sent one at a time in the order typed, each always with its own `client_msg_id`:
a resend after a lost connection or a restart is stored once by the server."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import NotDelivered
from .session import Session

# Codes no retry fixes: the item is dropped and reported failed.
FINAL = {"validation_error", "forbidden", "not_found", "unauthorized"}


class Outbox:
    def __init__(
        self,
        session: Session,
        path: Path | None,
        stored: Callable[[dict[str, Any], dict[str, Any]], None],
        failed: Callable[[dict[str, Any], dict[str, Any]], None],
    ) -> None:
        self._session = session
        self._path = path
        self._stored, self._failed = stored, failed
        self.items: list[dict[str, Any]] = (
            json.loads(path.read_text()) if path is not None and path.exists() else []
        )
        self._lock = asyncio.Lock()

    def add(
        self, channel: dict[str, Any], content: str, parent_id: str | None = None
    ) -> dict[str, Any]:
        item = {
            "channel": channel,
            "content": content,
            "client_msg_id": uuid.uuid4().hex,
            "parent_id": parent_id,
            "created_at": datetime.now(UTC).isoformat(),
        }
        self.items.append(item)
        self._save()
        return item

    async def flush(self) -> None:
        """Send what is queued while connected; the next call resumes after a failure."""
        if self._lock.locked():
            return
        async with self._lock:
            while self.items and self._session.connected:
                item = self.items[0]
                payload = {k: item[k] for k in ("channel", "content", "client_msg_id")}
                if item["parent_id"]:
                    payload["parent_id"] = item["parent_id"]
                try:
                    answer = await self._session.request("message:send", payload)
                except NotDelivered:
                    return
                if answer.get("ok"):
                    self._drop(item)
                    self._stored(item, answer["data"])
                elif answer["error"]["code"] in FINAL:
                    self._drop(item)
                    self._failed(item, answer["error"])
                else:  # rate_limited, unavailable, internal: again, a little later
                    await asyncio.sleep(1.0 if answer["error"]["code"] == "rate_limited" else 0.3)

    def _drop(self, item: dict[str, Any]) -> None:
        self.items = [i for i in self.items if i is not item]
        self._save()

    def _save(self) -> None:
        if self._path is not None:
            tmp = self._path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.items))
            tmp.replace(self._path)
