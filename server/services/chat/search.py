"""Message search: ranked full-text search over every channel the caller can read.

Ranks are floats, awkward for a keyset, so the cursor carries an offset into the
ranking; results may shift between pages while messages arrive, which search tolerates.
The offset is capped at `MAX_DEPTH`: nobody pages a thousand results deep, and the cap
bounds what one request can cost.
"""

from __future__ import annotations

import uuid

from protocol.chat import MessageSearchQuery, SearchHit
from protocol.common import Page
from protocol.errors import FieldError, validation_error
from store import search as store
from store.pagination import decode_cursor, encode_cursor

from ...actor import Actor
from ...policy import require_member
from ..core import Services
from .channels import readable_conversations
from .message_views import render

MAX_DEPTH = 1000


def offset_of(cursor: str | None) -> int:
    if cursor is None:
        return 0
    (offset,) = decode_cursor(cursor, [int])
    if not 0 < offset < MAX_DEPTH:
        cursor_error = FieldError(loc=["query", "cursor"], msg="not a cursor this list issued")
        raise validation_error([cursor_error], "the request is invalid")
    return int(offset)


async def search(
    svc: Services, actor: Actor, org_id: uuid.UUID, query: MessageSearchQuery
) -> Page[SearchHit]:
    """Messages of `org_id` the caller can read that contain every word of `q`, best
    first, each shown exactly as the caller would see it in its channel."""
    offset = offset_of(query.cursor)
    async with svc.sessions() as session:
        member = await require_member(session, org_id, actor.user_id)
        conversations = await readable_conversations(session, member)
        hits, has_more = await store.search_messages(
            session,
            org_id=org_id,
            conversations=conversations,
            query=store.Query(query.q, web=False),
            limit=min(query.limit, MAX_DEPTH - offset),
            offset=offset,
        )
        messages = await render(session, [hit.row for hit in hits], actor.user_id)
    end = offset + len(hits)
    next_cursor = encode_cursor([end]) if has_more and end < MAX_DEPTH else None
    items = [SearchHit(message=m, rank=hit.rank) for m, hit in zip(messages, hits, strict=True)]
    return Page[SearchHit](items=items, next_cursor=next_cursor)
