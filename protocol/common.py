"""Shapes shared by every area: pages, list queries, strict request bases."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

T = TypeVar("T")

# Text a person typed: surrounding blanks dropped, never empty.
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2048)]


class Request(BaseModel):
    """Base of every client payload: unknown fields are refused, not silently ignored."""

    model_config = ConfigDict(extra="forbid", str_max_length=100_000)


class Patch(Request):
    """A partial update: only the fields the client sent are applied."""

    def changes(self) -> dict[str, object]:
        return self.model_dump(exclude_unset=True)


class ListQuery(BaseModel):
    """`?limit=` (1..200, default 50) and `?cursor=` (opaque)."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=50, ge=1, le=200)
    cursor: Annotated[str, StringConstraints(max_length=512)] | None = None


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None
