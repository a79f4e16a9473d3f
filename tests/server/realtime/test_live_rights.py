"""Live rights on one process: for every access change and every server-to-client event
kind, the open socket hears exactly what REST lets its user read, before and after."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestServer

from tests.factories import Client
from tests.server.realtime.liverights import CHANGES, Change, run_change


@pytest.mark.parametrize("change", CHANGES, ids=[c.name for c in CHANGES])
async def test_an_open_socket_hears_what_its_user_may_read_now(
    server: TestServer, http: Client, change: Change
) -> None:
    await run_change(change, http, server, server)
