"""The property check of the live-rights table: every event the target received is
re-read through REST, with the target's token, in the state it was delivered in."""

from __future__ import annotations

from typing import Any

from tests.server.realtime.rightskit import World
from tests.server.realtime.rightsreads import reads_channel, reads_org_milestones
from tests.server.rest.projectkit import org_url

# The property check: every event the target received is re-read through REST, with
# the target's token, in the state it was delivered in; one they could not GET fails.

NOTICES = frozenset(
    {
        "session",
        "auth:expired",
        "organization:added",
        "organization:removed",
        "channel:removed",
        "project:unsubscribed",
    }
)


async def _message_ids(world: World) -> set[str]:
    """Ids of every message the target can GET in the world's channels."""
    paths = [f"{world.base}/channels/{r['type']}/{r['id']}/messages" for r in world.refs()]
    for org in (world.org, world.side_org):
        paths.append(f"{org_url(org)}/channels/direct/{world.owner.id}/messages")
    ids: set[str] = set()
    for path in paths:
        status, body = await world.call("GET", path + "?limit=100", world.target)
        if status == 200:
            ids |= {m["id"] for m in body["messages"]}
    return ids


async def audit(world: World, events: list[tuple[str, Any]]) -> list[str]:
    """Every delivery the target could not GET now, described."""
    bad: list[str] = []
    messages = await _message_ids(world)
    channels_seen: dict[str, bool] = {}
    for event, data in events:
        if event in NOTICES:
            continue
        if event in ("message:new", "message:updated"):
            ok = data["id"] in messages
        elif event in ("message:deleted", "reaction:updated"):
            ok = data["message_id"] in messages
        elif event == "typing":
            ref = data["channel"]
            key = ref["id"]
            if key not in channels_seen:
                channels_seen[key] = await reads_channel(world, ref)
            ok = channels_seen[key]
        elif event.startswith("task:"):
            ok = await world.can_get(f"{world.base}/projects/{data['projet_id']}")
        elif event == "milestone:updated" and await world.can_get(
            f"{world.base}/milestones/{data['id']}", world.owner
        ):
            ok = await world.can_get(f"{world.base}/milestones/{data['id']}")
        elif event.startswith("milestone:"):
            # Deleted since (updated on creation, then deleted): the rule of its kind.
            if data["projet_id"] is not None:
                ok = await world.can_get(f"{world.base}/projects/{data['projet_id']}")
            else:
                ok = await reads_org_milestones(world)
        elif event == "channel:added":
            status, body = await world.call(
                "GET", f"{org_url(data['organization_id'])}/channels", world.target
            )
            ok = status == 200 and any(c["channel"]["id"] == data["id"] for c in body["items"])
        elif event == "channel:updated":
            ok = await reads_channel(world, {"type": data["type"], "id": data["id"]})
        elif event == "project:updated":
            ok = await world.can_get(f"{world.base}/projects/{data['id']}")
        elif event == "budget:updated":
            ok = await world.can_get(f"{world.base}/projects/{data['projet_id']}/budget")
        elif event.startswith("invoice:"):
            ok = await world.can_get(f"{world.base}/invoices/{data['id']}")
        elif event.startswith("time-entry:"):
            path = f"{world.base}/time-entries?profile_id={data['profile_id']}&limit=100"
            status, body = await world.call("GET", path, world.target)
            ok = status == 200 and any(e["id"] == data["id"] for e in body["items"])
        elif event == "presence:updated":
            ok = await world.can_get(f"{org_url(data['organization_id'])}/members")
        elif event == "notification:new":
            status, body = await world.call("GET", "/api/v1/notifications?limit=200", world.target)
            ids = {n["id"] for n in body["items"]} if status == 200 else set()
            ok = data["notification"]["id"] in ids
        else:
            bad.append(f"{event}: no REST twin known to the audit")
            continue
        if not ok:
            bad.append(f"{event}: {data}")
    return bad
