"""JSON in and out with orjson, and pydantic parsing that fails as problem+json."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

import orjson
from aiohttp import hdrs, web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError
from pydantic import BaseModel, ValidationError

from protocol.common import TooDeep, parse_payload
from protocol.errors import AppError, ErrorCode, FieldError, validation_error

from ..keys import SETTINGS

M = TypeVar("M", bound=BaseModel)


def _default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def json_response(
    data: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=orjson.dumps(data, default=_default),
        status=status,
        content_type="application/json",
        headers=headers,
    )


def field_errors(exc: ValidationError, prefix: str) -> list[FieldError]:
    return [
        FieldError(loc=[prefix, *err["loc"]], msg=err["msg"])
        for err in exc.errors(include_url=False, include_input=False)
    ]


def _invalid(errors: list[FieldError]) -> AppError:
    return validation_error(errors, "the request is invalid")


def invalid(loc: list[str | int], msg: str) -> AppError:
    """The 422 of one bad field (`loc`: where, `["header", "If-Match"]`)."""
    return _invalid([FieldError(loc=loc, msg=msg)])


# Content codings aiohttp decodes (a single one); it passes any other through undecoded,
# and refuses `br`/`zstd` itself (plain-text 400) when their libraries are missing.
_CODINGS = frozenset({"", "identity", "gzip", "deflate"})
# JSON is UTF-8 (RFC 8259); a body declared in another charset would be misread.
_CHARSETS = frozenset({"utf-8", "utf8", "us-ascii"})


def _unsupported(detail: str) -> AppError:
    return AppError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, detail)


async def read_body(request: web.Request) -> bytes:
    """The request body, decoded; every way a client can break that is a 4xx problem: 415
    for a content coding or charset we do not read, 400 for a body that cannot be decoded
    (corrupt gzip, cut short), 413 past `MAX_REQUEST_BYTES` (decoded size, so a gzip bomb
    stops there too)."""
    coding = request.headers.get(hdrs.CONTENT_ENCODING, "").strip().lower()
    if coding not in _CODINGS:
        raise _unsupported("Content-Encoding must be gzip, deflate or identity")
    charset = request.charset
    if charset is not None and charset.lower() not in _CHARSETS:
        raise _unsupported("a JSON body is UTF-8 (charset=utf-8)")
    try:
        return await request.read()
    except (RequestPayloadError, HttpProcessingError, ConnectionError):
        # The rest of the body cannot be framed: aiohttp must not try to drain it after the
        # answer (it would fail again, logged as unhandled), and the client must not reuse
        # the connection.
        request.content.feed_eof()
        raise AppError(
            ErrorCode.BAD_REQUEST,
            "the request body could not be decoded",
            headers={"Connection": "close"},
        ) from None


async def parse_body(request: web.Request, model: type[M]) -> M:
    """Validate the JSON body against `model`; every bad field is listed in the 422."""
    raw = await read_body(request)
    try:
        payload = orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        raise invalid(["body"], "body is not valid JSON") from None
    try:
        return parse_payload(model, payload, max_depth=request.app[SETTINGS].max_json_depth)
    except TooDeep as exc:
        raise invalid(["body"], str(exc)) from None
    except ValidationError as exc:
        raise _invalid(field_errors(exc, "body")) from None
    except TypeError:
        raise invalid(["body"], "body is not plain JSON") from None


def parse_query(request: web.Request, model: type[M]) -> M:
    """Validate query parameters; a repeated key becomes a list."""
    data: dict[str, Any] = {}
    if "\x00" in request.query_string:
        raise invalid(["query"], "text may not contain NUL characters")
    for key in request.query:
        values = request.query.getall(key)
        data[key] = values if len(values) > 1 else values[0]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _invalid(field_errors(exc, "query")) from None


def path_uuid(request: web.Request, name: str) -> uuid.UUID:
    """A UUID path parameter; anything else is a 422 naming the parameter."""
    try:
        return uuid.UUID(request.match_info[name])
    except ValueError:
        raise invalid(["path", name], "must be a UUID") from None
