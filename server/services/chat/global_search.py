"""`GET /orgs/{org}/search`: messages, tasks, projects and clients in one ranked list,
each kind filtered by the read rules its own routes apply (policy), each hit with a
highlighted snippet.

Each kind is ranked by its engine (ts_rank, or bm25 negated) and the lists are merged by
rank; the cursor is an offset into the merged ranking (at most 1000 deep, like message
search), so each kind is asked for its best `offset + limit + 1`.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from protocol.common import Page
from protocol.search import SearchQuery, SearchResult, SearchType
from store import search as store
from store import text_search
from store.models import Client, Projet, Tache
from store.pagination import encode_cursor
from store.projects import visible_to_client_contact

from ...actor import Actor
from ...policy import Member, client_contact_scope, require_member
from ..core import Services
from .channels import readable_conversations
from .message_views import render
from .search import MAX_DEPTH, offset_of


async def _messages(
    session: AsyncSession, member: Member, query: store.Query, want: int
) -> list[SearchResult]:
    conversations = await readable_conversations(session, member)
    hits, _ = await store.search_messages(
        session, org_id=member.org_id, conversations=conversations, query=query, limit=want
    )
    messages = await render(session, [hit.row for hit in hits], member.user_id)
    parsed = query.parsed
    return [
        SearchResult(
            type=SearchType.MESSAGE,
            id=message.id,
            title=None,
            snippet=text_search.snippet(message.content, parsed),
            rank=hit.rank,
            message=message,
        )
        for message, hit in zip(messages, hits, strict=True)
    ]


def _scope(kind: SearchType, member: Member) -> Any:
    """The read rule of each kind (policy's client scope): a CLIENT member finds only
    their clients, those clients' projects and those projects' tasks."""
    contact = client_contact_scope(member)
    if contact is None:
        return None
    visible = visible_to_client_contact(member.org_id, contact)
    if kind is SearchType.CLIENT:
        return Client.contact_user_id == contact
    if kind is SearchType.PROJECT:
        return visible
    return Tache.projet_id.in_(select(Projet.id).where(visible))


_MODELS = {SearchType.TASK: Tache, SearchType.PROJECT: Projet, SearchType.CLIENT: Client}


def _describe(kind: SearchType, row: Any) -> tuple[str, str, uuid.UUID | None]:
    """Title, searched text and project of a row."""
    if kind is SearchType.CLIENT:
        parts = [row.nom, row.contact_principal, row.secteur]
        return row.nom, " — ".join(p for p in parts if p), None
    text = f"{row.nom} — {row.description}" if row.description else row.nom
    return row.nom, text, row.projet_id if kind is SearchType.TASK else row.id


async def _entities(
    session: AsyncSession, member: Member, kind: SearchType, query: store.Query, want: int
) -> list[SearchResult]:
    model: Any = _MODELS[kind]
    hits = await store.search_entities(
        session,
        table_name=model.__tablename__,
        org_id=member.org_id,
        query=query,
        scope=_scope(kind, member),
        limit=want,
    )
    if not hits:
        return []
    rows = await session.scalars(select(model).where(model.id.in_([h.id for h in hits])))
    by_id = {row.id: row for row in rows}
    parsed = query.parsed
    results = []
    for hit in hits:
        row = by_id.get(hit.id)
        if row is None:
            continue
        title, text, project_id = _describe(kind, row)
        results.append(
            SearchResult(
                type=kind,
                id=hit.id,
                title=title,
                snippet=text_search.snippet(text, parsed),
                rank=hit.rank,
                project_id=project_id,
            )
        )
    return results


async def search(
    svc: Services, actor: Actor, org_id: uuid.UUID, req: SearchQuery
) -> Page[SearchResult]:
    offset = offset_of(req.cursor)
    limit = min(req.limit, MAX_DEPTH - offset)
    want = offset + limit + 1
    query = store.Query(req.q)
    found: list[SearchResult] = []
    async with svc.sessions() as session:
        member = await require_member(session, org_id, actor.user_id)
        for kind in req.kinds:
            if kind is SearchType.MESSAGE:
                found += await _messages(session, member, query, want)
            else:
                found += await _entities(session, member, kind, query, want)
    found.sort(key=lambda r: (-r.rank, r.type.value, str(r.id)))
    page = found[offset : offset + limit]
    end = offset + len(page)
    more = len(found) > end and end < MAX_DEPTH
    return Page[SearchResult](items=page, next_cursor=encode_cursor([end]) if more else None)
