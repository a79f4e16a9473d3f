"""What REST says the live-rights table's target may read now, one function per event
kind (the REST twin each kind of rightskinds.py is held to)."""

from __future__ import annotations

from typing import Any

from tests.server.realtime.rightskit import World


async def reads_channel(world: World, ref: dict[str, Any]) -> bool:
    return await world.can_get(f"{world.base}/channels/{ref['type']}/{ref['id']}/messages")


async def reads_project(world: World) -> bool:
    return await world.can_get(f"{world.base}/projects/{world.project['id']}")


async def reads_org_milestones(world: World) -> bool:
    return await world.can_get(f"{world.base}/milestones/{world.org_milestone['id']}")


async def reads_project_milestones(world: World) -> bool:
    return await world.can_get(f"{world.base}/milestones/{world.project_milestone['id']}")


async def lists_org_channels(world: World) -> bool:
    status, body = await world.call("GET", f"{world.base}/channels", world.target)
    return status == 200 and any(c["channel"]["type"] == "organization" for c in body["items"])


async def lists_members(world: World) -> bool:
    return await world.can_get(f"{world.base}/members")


async def reads_direct(world: World) -> bool:
    return await world.can_get(f"{world.base}/channels/direct/{world.owner.id}/messages")


async def reads_budget(world: World) -> bool:
    return await world.can_get(f"{world.base}/projects/{world.project['id']}/budget")


async def reads_invoice(world: World) -> bool:
    if not world.invoices:
        return False
    return await world.can_get(f"{world.base}/invoices/{world.invoices[-1]}")


async def reads_owner_time(world: World) -> bool:
    """Whether the owner's newest time entry is among the target's listed entries."""
    if not world.time_entries:
        return False
    path = f"{world.base}/time-entries?profile_id={world.owner.id}"
    status, body = await world.call("GET", path, world.target)
    return status == 200 and any(e["id"] == world.time_entries[-1] for e in body["items"])
