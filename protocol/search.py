"""`GET /orgs/{org}/search`: one search over messages, tasks, projects and clients."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, StringConstraints, field_validator

from .chat import MAX_SEARCH_QUERY, Message, clean_search_query
from .common import ListQuery


class SearchType(StrEnum):
    MESSAGE = "message"
    TASK = "task"
    PROJECT = "project"
    CLIENT = "client"


def _clean_types(value: str | None) -> str | None:
    if value is None:
        return None
    names = [name.strip() for name in value.split(",") if name.strip()]
    known = {t.value for t in SearchType}
    if not names or any(name not in known for name in names):
        raise ValueError("a comma-separated list of message, task, project, client")
    return ",".join(dict.fromkeys(names))


class SearchQuery(ListQuery):
    """`q` in web-search syntax: words (all must appear), "quoted phrases", `-word` to
    exclude, `OR` between alternatives; accents ignored, French word forms matched.
    `types`: a comma-separated subset of message, task, project, client (default all).
    `cursor` is opaque (at most 1000 results deep)."""

    q: Annotated[str, StringConstraints(max_length=MAX_SEARCH_QUERY * 4)]
    types: Annotated[str, StringConstraints(max_length=100)] | None = None

    _q = field_validator("q")(clean_search_query)
    _types = field_validator("types")(_clean_types)

    @property
    def kinds(self) -> list[SearchType]:
        if self.types is None:
            return list(SearchType)
        return [SearchType(name) for name in self.types.split(",")]


class SearchResult(BaseModel):
    """One hit. `snippet` is HTML-escaped text with the matching words in
    `<mark>...</mark>`; `message` is the message as its channel shows it (type message);
    `project_id` the project of a task or a project."""

    type: SearchType
    id: uuid.UUID
    title: str | None
    snippet: str
    rank: float
    project_id: uuid.UUID | None = None
    message: Message | None = None
