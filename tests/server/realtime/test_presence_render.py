"""`presence:list` entries rendered without pydantic write the same JSON as the model
(server/realtime/presence_render.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from protocol.presence import PresenceOf
from server.realtime.presence_render import Rendered

MOMENT = datetime(2026, 12, 7, 14, 7, 34, 381631, tzinfo=UTC)


@pytest.mark.parametrize(
    "last_seen",
    [
        MOMENT,
        MOMENT.replace(microsecond=0),
        MOMENT.replace(tzinfo=None),
        MOMENT.astimezone(timezone(timedelta(hours=2))),
        MOMENT.replace(tzinfo=timezone(timedelta(0))),
        None,
    ],
)
@pytest.mark.parametrize("status", ["online", "away", "offline"])
def test_an_entry_is_what_the_model_writes(status: str, last_seen: datetime | None) -> None:
    user_id = uuid.uuid4()
    model = PresenceOf(user_id=user_id, status=status, last_seen=last_seen)
    assert Rendered().entry(user_id, status, last_seen) == model.model_dump(mode="json")


def test_an_entry_is_rendered_again_once_the_status_or_last_seen_changed() -> None:
    rendered, user_id = Rendered(), uuid.uuid4()
    first = rendered.entry(user_id, "online", MOMENT)
    assert rendered.entry(user_id, "online", MOMENT) is first
    assert rendered.entry(user_id, "away", MOMENT)["status"] == "away"
    later = MOMENT + timedelta(seconds=1)
    assert rendered.entry(user_id, "away", later)["last_seen"] == "2026-12-07T14:07:35.381631Z"
