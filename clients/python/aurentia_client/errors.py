"""What a call can fail with."""

from __future__ import annotations

from typing import Any


class AckError(Exception):
    """The server answered `{ok: false}`: `code` is its error code (`not_found` ...)."""

    def __init__(self, event: str, code: str, message: str, details: Any = None) -> None:
        super().__init__(f"{event}: {code}: {message}")
        self.event, self.code, self.details = event, code, details


class NotDelivered(Exception):
    """No ack: not connected, the connection dropped, or it timed out. The event may or
    may not have reached the server: retry only what is idempotent."""

    def __init__(self, event: str, reason: str) -> None:
        super().__init__(f"{event}: not acknowledged ({reason})")
        self.event, self.reason = event, reason


class ApiError(Exception):
    """A REST problem+json answer."""

    def __init__(self, status: int, problem: Any) -> None:
        code = problem.get("code") if isinstance(problem, dict) else None
        super().__init__(f"HTTP {status}: {code or problem}")
        self.status, self.problem, self.code = status, problem, code


class LoggedOut(Exception):
    """The refresh token was refused: log in again."""
