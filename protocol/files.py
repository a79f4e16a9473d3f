"""Files shared in messages: what an upload answers and what a message carries."""

from __future__ import annotations

import uuid

from pydantic import BaseModel


class Attachment(BaseModel):
    """`POST /orgs/{org}/uploads` answers this; messages carry a list of them.
    `content_type` is what the server sniffed from the bytes, not what the client said;
    `width`/`height` for pictures (which also have a thumbnail)."""

    id: uuid.UUID
    name: str
    size: int
    content_type: str
    width: int | None = None
    height: int | None = None
