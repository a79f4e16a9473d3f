"""The one error vocabulary of the server.

Every failure a client can cause is an `AppError` carrying one of these codes. The REST
layer turns it into RFC 9457 problem+json and the realtime layer into an error ack, each in
exactly one place, so a code means the same thing on both transports.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class ErrorCode(StrEnum):
    VALIDATION_ERROR = "validation_error"
    # A body that cannot be decoded at all (corrupt gzip, cut short), or a request the
    # HTTP parser refuses: HTTP only.
    BAD_REQUEST = "bad_request"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    CONFLICT = "conflict"
    PRECONDITION_FAILED = "precondition_failed"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    # The request line or the headers are over the HTTP parser's limits: HTTP only.
    HEADERS_TOO_LARGE = "headers_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"
    INTERNAL = "internal"


HTTP_STATUS: dict[ErrorCode, int] = {
    ErrorCode.VALIDATION_ERROR: 422,
    ErrorCode.BAD_REQUEST: 400,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.CONFLICT: 409,
    ErrorCode.PRECONDITION_FAILED: 412,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.HEADERS_TOO_LARGE: 431,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: 415,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.UNAVAILABLE: 503,
    ErrorCode.INTERNAL: 500,
}

TITLES: dict[ErrorCode, str] = {
    ErrorCode.VALIDATION_ERROR: "Invalid request",
    ErrorCode.BAD_REQUEST: "Undecodable request",
    ErrorCode.UNAUTHORIZED: "Authentication required",
    ErrorCode.FORBIDDEN: "Not allowed",
    ErrorCode.NOT_FOUND: "Not found",
    ErrorCode.METHOD_NOT_ALLOWED: "Method not allowed",
    ErrorCode.CONFLICT: "Conflict",
    ErrorCode.PRECONDITION_FAILED: "Precondition failed",
    ErrorCode.PAYLOAD_TOO_LARGE: "Payload too large",
    ErrorCode.HEADERS_TOO_LARGE: "Request line or headers too large",
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: "Unsupported media type",
    ErrorCode.RATE_LIMITED: "Too many requests",
    ErrorCode.UNAVAILABLE: "Service unavailable",
    ErrorCode.INTERNAL: "Internal error",
}


class FieldError(BaseModel):
    """One bad field: `loc` is the path to it (`["body", "email"]`), `msg` says why."""

    loc: list[str | int]
    msg: str


class Problem(BaseModel):
    """RFC 9457 problem details, extended with our stable `code`."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    code: ErrorCode
    errors: list[FieldError] | None = None
    # Extension member: the AppError's other client-facing details (a conflicting id ...).
    details: Any = None
    request_id: str | None = None


class ErrorBody(BaseModel):
    """The `error` member of a failed Socket.IO acknowledgement."""

    code: ErrorCode
    message: str
    details: Any = None


class AppError(Exception):
    """A failure with a stable code, safe to show to the client as it is.

    `details` must hold only client-facing data (field errors, a conflicting id, a retry
    delay): it is sent verbatim.
    """

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        details: Any = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}

    @property
    def status(self) -> int:
        return HTTP_STATUS[self.code]

    def body(self) -> ErrorBody:
        return ErrorBody(code=self.code, message=self.message, details=self.details)


def not_found(what: str = "resource") -> AppError:
    """Missing and foreign resources answer the same, so existence never leaks."""
    return AppError(ErrorCode.NOT_FOUND, f"{what} not found")


def validation_error(errors: list[FieldError], message: str = "invalid request") -> AppError:
    return AppError(
        ErrorCode.VALIDATION_ERROR,
        message,
        [e.model_dump() for e in errors],
    )


def stale(kind: str) -> AppError:
    """A write conditioned on a version (`If-Match`) that is no longer the stored one."""
    return AppError(
        ErrorCode.PRECONDITION_FAILED, f"the {kind} changed since you read it; reload and retry"
    )


class Ack(BaseModel):
    """Shape of every Socket.IO acknowledgement."""

    ok: bool
    data: Any = None
    error: ErrorBody | None = Field(default=None)
