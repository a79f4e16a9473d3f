"""Shapes shared by every area: pages, list queries, strict request bases."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar
from urllib.parse import urlsplit

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


# No blank, control character or DEL anywhere (written so that Python and ECMA-262
# regular expressions read it alike).
_WEB_URL = r"^https?://[^\u0000-\u0020\u007f/?#]+([/?#][^\u0000-\u0020\u007f]*)?$"


def _web_url(value: str) -> str:
    """Only http(s) links with a host: a `javascript:` or `data:` URL shown as a link or an
    image by a client would run or embed whatever the sender chose."""
    if re.fullmatch(_WEB_URL, value):
        try:
            parts = urlsplit(value)
            if parts.scheme in {"http", "https"} and parts.hostname:
                return value
        except ValueError:  # a malformed host ("http://[x")
            pass
    raise ValueError("must be an http:// or https:// URL with a host")


# A link a client will show or fetch (avatar, logo, website): http(s) only, as the
# published pattern says.
Url = Annotated[
    str,
    StringConstraints(max_length=2048),
    AfterValidator(_web_url),
    Field(json_schema_extra={"pattern": _WEB_URL}),
]


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


# Every date and instant a client sends lies in years 1900..2200: past any real invoice,
# hire or deadline, and far enough from `date.min`/`date.max` that no arithmetic on them
# (a due date 60 days on, a week's Sunday, a time zone) can overflow.
YEAR_MIN, YEAR_MAX = 1900, 2200
DAY_MIN, DAY_MAX = date(YEAR_MIN, 1, 1), date(YEAR_MAX, 12, 31)
YEAR_PATTERN = r"(19[0-9]{2}|2[01][0-9]{2}|2200)"
_YEAR = YEAR_PATTERN
_ISO_DATE = re.compile(_YEAR + r"-[0-9]{2}-[0-9]{2}")
_ISO_INSTANT = re.compile(
    _YEAR
    + r"-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
_RANGE = f"between {DAY_MIN.isoformat()} and {DAY_MAX.isoformat()}"


def in_year_range(year: int) -> bool:
    return YEAR_MIN <= year <= YEAR_MAX


def _iso_date(value: Any) -> Any:
    if isinstance(value, str):
        if not _ISO_DATE.fullmatch(value):
            raise ValueError(f"must be an ISO 8601 date (YYYY-MM-DD) {_RANGE}")
        return date.fromisoformat(value)
    return value


def _iso_instant(value: Any) -> Any:
    if isinstance(value, str):
        if not _ISO_INSTANT.fullmatch(value):
            raise ValueError(f"must be an RFC 3339 date-time with a UTC offset, {_RANGE}")
        return datetime.fromisoformat(value)
    return value


def _bounded(value: date) -> date:
    """Also for values built in Python (a `date` object skips the text check)."""
    if not in_year_range(value.year):
        raise ValueError(f"must be {_RANGE}")
    return value


# Dates and instants a client sends: ISO 8601 text only, as the published schema says
# (`format: date`, `format: date-time`, and a pattern holding the year range). Pydantic
# alone also reads "0" or "1700000000" as Unix times, and the strict JSON mode of the
# entry points keeps that reading.
Day = Annotated[
    date,
    BeforeValidator(_iso_date),
    AfterValidator(_bounded),
    Field(json_schema_extra={"pattern": f"^{_ISO_DATE.pattern}$"}),
]
Instant = Annotated[
    AwareDatetime,
    BeforeValidator(_iso_instant),
    AfterValidator(_bounded),
    Field(json_schema_extra={"pattern": f"^{_ISO_INSTANT.pattern}$"}),
]


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


class TooDeep(ValueError):
    """Decoded JSON nested past the configured depth (`MAX_JSON_DEPTH`)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"JSON may be nested at most {limit} levels deep")
        self.limit = limit


def json_depth_exceeds(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest deeper than `limit` (`[]` is one level). Iterative,
    so no input can exhaust the stack, and it stops at the first path past the limit."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        if depth + 1 > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def parse_payload(model: type[R], data: Any, *, max_depth: int) -> R:
    """The one way a client's decoded JSON becomes a request model (REST body, socket
    event): pydantic's strict JSON mode, so a payload is taken exactly when the published
    schema allows it (`"5"` is no integer, `1` no boolean). `max_depth` is the server's
    `MAX_JSON_DEPTH`, the same for both transports. Raises `TooDeep`, `ValidationError`,
    or `TypeError` for data that is not plain JSON (bytes, an integer past 64 bits)."""
    if json_depth_exceeds(data, max_depth):
        raise TooDeep(max_depth)
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
