"""Shapes shared by every area: pages, list queries, strict request bases."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

import orjson
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

T = TypeVar("T")

# Text a person typed: surrounding blanks dropped, never empty.
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2048)]


def _refuse_null(value: Any) -> Any:
    if value is None:
        raise ValueError("may not be null")
    return value


def _drop_null_branch(schema: dict[str, Any]) -> None:
    """The published JSON schema of a `NotNull` field: its type without `null`."""
    branches = schema.get("anyOf")
    if isinstance(branches, list):
        kept = [b for b in branches if b != {"type": "null"}]
        if len(kept) == 1:
            del schema["anyOf"]
            schema.update(kept[0])
        else:
            schema["anyOf"] = kept
    if "default" in schema and schema["default"] is None:
        del schema["default"]


# A `Patch` field that may be left out but not sent as null (a required column): the
# model refuses null (422 naming the field) and the OpenAPI schema does not offer it.
NotNull = Annotated[
    T | None, AfterValidator(_refuse_null), Field(json_schema_extra=_drop_null_branch)
]


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_INSTANT = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})"
)


def _iso_date(value: Any) -> Any:
    if isinstance(value, str):
        if not _ISO_DATE.fullmatch(value):
            raise ValueError("must be an ISO 8601 date (YYYY-MM-DD)")
        return date.fromisoformat(value)
    return value


def _iso_instant(value: Any) -> Any:
    if isinstance(value, str):
        if not _ISO_INSTANT.fullmatch(value):
            raise ValueError("must be an RFC 3339 date-time with a UTC offset")
        return datetime.fromisoformat(value)
    return value


# Dates and instants a client sends: ISO 8601 text only, as the published schema says
# (`format: date`, `format: date-time`). Pydantic alone also reads "0" or "1700000000" as
# Unix times, and the strict JSON mode of the entry points keeps that reading.
Day = Annotated[date, BeforeValidator(_iso_date)]
Instant = Annotated[AwareDatetime, BeforeValidator(_iso_instant)]


def _has_nul(value: Any, depth: int = 0) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if depth > 32:
        return False
    if isinstance(value, dict):
        return any(_has_nul(k, depth + 1) or _has_nul(v, depth + 1) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(_has_nul(v, depth + 1) for v in value)
    if isinstance(value, BaseModel):
        return _has_nul(vars(value), depth + 1)
    return False


def refuse_nul(data: Any) -> Any:
    """No text may carry a NUL character: PostgreSQL cannot store one, and no legitimate
    client sends one."""
    if _has_nul(data):
        raise ValueError("text may not contain NUL characters")
    return data


class Request(BaseModel):
    """Base of every client payload: unknown fields are refused, not silently ignored.

    Client payloads go through `parse_payload` (strict JSON mode). For that reason no
    validator here may run before pydantic's own parsing of a whole model (a `before`
    model validator would hand the fields to the stricter Python mode).
    """

    model_config = ConfigDict(extra="forbid", str_max_length=100_000)

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return refuse_nul(value)


R = TypeVar("R", bound=BaseModel)
_EXACT_FLOAT = 2**53


def _json_numbers(value: Any, depth: int = 0) -> Any:
    """Integral floats as integers: JSON Schema holds `2.0` for an integer, and so must we."""
    if isinstance(value, float) and value.is_integer() and abs(value) < _EXACT_FLOAT:
        return int(value)
    if depth > 64:
        return value
    if isinstance(value, dict):
        return {k: _json_numbers(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_numbers(v, depth + 1) for v in value]
    return value


def parse_payload(model: type[R], data: Any) -> R:
    """The one way a client's decoded JSON becomes a request model (REST body, socket
    event): pydantic's strict JSON mode, so a payload is taken exactly when the published
    schema allows it (`"5"` is no integer, `1` no boolean). Raises `ValidationError`, or
    `TypeError` for data that is not plain JSON (bytes, an integer past 64 bits)."""
    raw = orjson.dumps(_json_numbers(data))
    return model.model_validate_json(raw, strict=True)


class Patch(Request):
    """A partial update: only the fields the client sent are applied."""

    def changes(self) -> dict[str, object]:
        return self.model_dump(exclude_unset=True)


class ListQuery(BaseModel):
    """`?limit=` (1..200, default 50) and `?cursor=` (opaque)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return refuse_nul(value)

    limit: int = Field(default=50, ge=1, le=200)
    cursor: Annotated[str, StringConstraints(max_length=512)] | None = None


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None
