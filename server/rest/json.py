"""JSON in and out with orjson, and pydantic parsing that fails as problem+json."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

import orjson
from aiohttp import web
from pydantic import BaseModel, ValidationError

from protocol.common import parse_payload
from protocol.errors import AppError, ErrorCode, FieldError

M = TypeVar("M", bound=BaseModel)


def _dump(data: Any) -> bytes:
    if isinstance(data, BaseModel):
        return orjson.dumps(data.model_dump(mode="json"))
    return orjson.dumps(data, default=_default)


def _default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def json_response(
    data: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=_dump(data), status=status, content_type="application/json", headers=headers
    )


def field_errors(exc: ValidationError, prefix: str) -> list[FieldError]:
    return [
        FieldError(loc=[prefix, *err["loc"]], msg=err["msg"])
        for err in exc.errors(include_url=False, include_input=False)
    ]


def _invalid(errors: list[FieldError]) -> AppError:
    return AppError(
        ErrorCode.VALIDATION_ERROR, "the request is invalid", [e.model_dump() for e in errors]
    )


async def parse_body(request: web.Request, model: type[M]) -> M:
    """Validate the JSON body against `model`; every bad field is listed in the 422."""
    raw = await request.read()
    try:
        payload = orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        raise _invalid([FieldError(loc=["body"], msg="body is not valid JSON")]) from None
    try:
        return parse_payload(model, payload)
    except ValidationError as exc:
        raise _invalid(field_errors(exc, "body")) from None


def parse_query(request: web.Request, model: type[M]) -> M:
    """Validate query parameters; a repeated key becomes a list."""
    data: dict[str, Any] = {}
    if "\x00" in request.query_string:
        raise _invalid([FieldError(loc=["query"], msg="text may not contain NUL characters")])
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
        raise _invalid([FieldError(loc=["path", name], msg="must be a UUID")]) from None
