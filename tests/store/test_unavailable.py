"""Which database errors mean "unavailable, retry" (503 / an `unavailable` ack) rather than
a failure of the server (500 / `internal`)."""

from __future__ import annotations

import pytest
from sqlalchemy import exc

from store.db import is_unavailable


class _DriverError(Exception):
    def __init__(self, sqlstate: str | None) -> None:
        super().__init__("driver error")
        self.sqlstate = sqlstate


def _dbapi_error(sqlstate: str | None) -> exc.DBAPIError:
    return exc.DBAPIError("SELECT 1", None, _DriverError(sqlstate))


@pytest.mark.parametrize(
    "sqlstate",
    [
        "53300",  # too_many_connections: "sorry, too many clients already"
        "53000",  # insufficient_resources
        "57P03",  # cannot_connect_now: starting up or shutting down
        "08006",  # connection_failure
    ],
)
def test_postgresql_turning_connections_away_is_unavailable(sqlstate: str) -> None:
    assert is_unavailable(_dbapi_error(sqlstate))


@pytest.mark.parametrize("sqlstate", ["23505", "42P01", "40001", None])
def test_a_refused_statement_is_not_unavailable(sqlstate: str | None) -> None:
    assert not is_unavailable(_dbapi_error(sqlstate))
