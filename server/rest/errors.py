"""The one place where errors become RFC 9457 problem+json responses."""

from __future__ import annotations

import logging

import orjson
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.typedefs import Handler
from aiohttp.web_protocol import RequestPayloadError

from protocol.errors import HTTP_STATUS, TITLES, AppError, ErrorCode, FieldError, Problem
from store.db import is_unavailable

from ..logs import request_id_var
from ..services.core import database_unavailable

log = logging.getLogger("aurentia.http")

_STATUS_CODES: dict[int, ErrorCode] = {status: code for code, status in HTTP_STATUS.items()}


def problem_response(
    code: ErrorCode,
    detail: str,
    *,
    status: int | None = None,
    errors: list[FieldError] | None = None,
    details: object = None,
    request_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    status = status or HTTP_STATUS[code]
    body = Problem(
        type=f"urn:aurentia:problem:{code.value}",
        title=TITLES[code],
        status=status,
        detail=detail,
        code=code,
        errors=errors,
        details=details,
        request_id=request_id,
    )
    return web.Response(
        body=orjson.dumps(body.model_dump(exclude_none=True, mode="json")),
        status=status,
        content_type="application/problem+json",
        headers=headers,
    )


def _field_errors(details: object) -> list[FieldError] | None:
    if not isinstance(details, list):
        return None
    try:
        return [FieldError.model_validate(item) for item in details]
    except ValueError:
        return None


def _from_http_exception(exc: web.HTTPException) -> web.Response:
    other = ErrorCode.VALIDATION_ERROR if exc.status < 500 else ErrorCode.INTERNAL
    code = _STATUS_CODES.get(exc.status, other)
    headers = {k: v for k, v in exc.headers.items() if k.lower() in {"allow", "retry-after"}}
    detail = exc.reason if exc.status != 404 else "no such route"
    return problem_response(code, detail, status=exc.status, headers=headers)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The request id comes from the access middleware (server/rest/access.py), which
    also puts it on the answer."""
    request_id = request_id_var.get()
    try:
        response = await handler(request)
    except AppError as exc:
        errors = _field_errors(exc.details)
        response = problem_response(
            exc.code,
            exc.message,
            errors=errors,
            details=exc.details if errors is None else None,
            headers=exc.headers,
        )
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        response = _from_http_exception(exc)
    except (RequestPayloadError, HttpProcessingError):
        # A body read outside `read_body` (server/rest/json.py) that could not be decoded.
        response = problem_response(ErrorCode.BAD_REQUEST, "the request body could not be decoded")
    except Exception as exc:
        if is_unavailable(exc):
            # A read outside `svc.tx()` lost the database: the same answer as a write.
            log.error("database unavailable", extra={"fields": {"path": request.path}})
            unavailable = database_unavailable()
            response = problem_response(
                unavailable.code, unavailable.message, request_id=request_id
            )
        else:
            log.exception("unhandled error", extra={"fields": {"path": request.path}})
            response = problem_response(
                ErrorCode.INTERNAL,
                "the server failed to answer; quote the request id when reporting it",
                request_id=request_id,
            )
    if request.body_exists and not request.content.at_eof():
        # Refused before its body was read (415, 413, 401 ...): aiohttp may close the
        # connection rather than drain what is left, so say so, and the client opens a
        # new one instead of writing its next request into a closing socket.
        response.force_close()
    return response
