"""The access changes of the live-rights table, each with what it must take away or
give, and the scenario run for one of them (on one process or across two)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from tests.factories import expect
from tests.server.realtime.rightsaudit import audit
from tests.server.realtime.rightskinds import (
    CONSULTANT_READS,
    INVOICES,
    MANAGERS_ONLY,
    PROJECT,
    STAFF_ONLY,
    mismatches,
    play_round,
)
from tests.server.realtime.rightskit import (
    Http,
    Server,
    World,
    add_member_existing,
    build_world,
    connect_target,
    enter_everything,
)
from tests.server.rest.projectkit import org_url


@dataclass(frozen=True)
class Change:
    name: str
    target_role: str | None
    apply: Callable[[World], Awaitable[None]]
    lost: frozenset[str] = frozenset()
    gained: frozenset[str] = frozenset()
    # What the target's socket is told (event names), in any order.
    notices: tuple[str, ...] = ()
    contact: bool = False
    in_group: bool = True


async def _patch_role(world: World, role: str) -> None:
    path = f"{world.base}/members/{world.target.id}"
    await world.call("PATCH", path, world.owner, {"role": role}, status=200)


async def _remove(world: World) -> None:
    await world.call("DELETE", f"{world.base}/members/{world.target.id}", world.owner, status=204)


async def _leave(world: World) -> None:
    await world.call("DELETE", f"{world.base}/members/{world.target.id}", world.target, status=204)


async def _contact(world: World, user_id: Any) -> None:
    body = {"contact_user_id": str(user_id) if user_id else None}
    path = f"{world.base}/clients/{world.customer['id']}"
    await world.call("PATCH", path, world.owner, body, status=200)


async def _ungroup(world: World) -> None:
    path = f"{world.base}/groups/{world.group['id']}/members/{world.target.id}"
    await world.call("DELETE", path, world.owner, status=204)


async def _group(world: World) -> None:
    path = f"{world.base}/groups/{world.group['id']}/members"
    await world.call("POST", path, world.owner, {"user_id": str(world.target.id)}, status=201)


async def _delete_project(world: World) -> None:
    path = f"{world.base}/projects/{world.project['id']}"
    await world.call("DELETE", path, world.owner, status=204)


async def _delete_org(world: World) -> None:
    await world.call("DELETE", world.base, world.owner, status=204)


async def _join_code(world: World) -> None:
    await add_member_existing(world.http, world.owner, world.org["id"], world.target)


async def _invitation(world: World) -> None:
    body = {"email": world.target.email, "role": "MEMBER"}
    created = await world.call(
        "POST", f"{org_url(world.org)}/invitations", world.owner, body, status=201
    )
    resp = await world.http.request(
        "POST",
        "/api/v1/invitations/accept",
        json={"token": created["token"]},
        headers=world.target.headers,
    )
    await expect(resp, 201)


GROUP = frozenset({"message:new group"})
DIRECT = frozenset({"message:new direct"})

CHANGES: list[Change] = [
    Change(
        "role demoted to CLIENT",
        "CONSULTANT",
        lambda w: _patch_role(w, "CLIENT"),
        lost=STAFF_ONLY | PROJECT,
        notices=("session", "channel:removed", "project:unsubscribed"),
    ),
    Change(
        "role promoted to MANAGER",
        "CONSULTANT",
        lambda w: _patch_role(w, "MANAGER"),
        gained=MANAGERS_ONLY,
        notices=("session",),
    ),
    Change(
        "role demoted from MANAGER",
        "MANAGER",
        lambda w: _patch_role(w, "CONSULTANT"),
        lost=MANAGERS_ONLY,
        notices=("session",),
    ),
    Change(
        "member removed",
        "CONSULTANT",
        _remove,
        lost=CONSULTANT_READS,
        notices=("organization:removed", "session"),
    ),
    Change(
        "member left",
        "CONSULTANT",
        _leave,
        lost=CONSULTANT_READS,
        notices=("organization:removed", "session"),
    ),
    Change(
        "client contact unset",
        "CLIENT",
        lambda w: _contact(w, None),
        lost=PROJECT | INVOICES,
        notices=("channel:removed", "project:unsubscribed"),
        contact=True,
    ),
    Change(
        "removed from the group",
        "CONSULTANT",
        _ungroup,
        lost=GROUP,
        notices=("channel:removed",),
    ),
    Change(
        "project deleted",
        "CONSULTANT",
        _delete_project,
        lost=PROJECT,
        notices=("channel:removed", "project:unsubscribed"),
    ),
    Change(
        "organization deleted",
        "CONSULTANT",
        _delete_org,
        lost=CONSULTANT_READS,
        notices=("organization:removed", "session"),
    ),
    Change(
        "role promoted from CLIENT",
        "CLIENT",
        lambda w: _patch_role(w, "CONSULTANT"),
        gained=STAFF_ONLY | PROJECT,
        notices=("session",),
    ),
    Change(
        "joined with a code",
        None,
        _join_code,
        gained=CONSULTANT_READS - GROUP,
        notices=("organization:added", "session"),
    ),
    Change(
        "invitation accepted",
        None,
        _invitation,
        gained=CONSULTANT_READS - GROUP,
        notices=("organization:added", "session"),
    ),
    Change(
        "client contact set",
        "CLIENT",
        lambda w: _contact(w, w.target.id),
        gained=PROJECT | INVOICES,
        notices=("channel:added",),
    ),
    Change(
        "added to the group",
        "CONSULTANT",
        _group,
        gained=GROUP,
        notices=("channel:added",),
        in_group=False,
    ),
]


async def run_change(change: Change, http: Http, actors: Server, watched: Server) -> None:
    """Build the world (the owner's and colleague's sockets on `actors`), connect the
    target on `watched`, play every kind, apply the change, play again, and hold both
    rounds to REST and the change's expected effect."""
    world = await build_world(
        http, actors, change.target_role, contact=change.contact, in_group=change.in_group
    )
    peer = await connect_target(world, watched)
    try:
        first = await play_round(world, peer)
        assert mismatches(first) == [], f"{change.name}, before: {mismatches(first)}"
        bad = await audit(world, first.events)
        assert bad == [], f"{change.name}, before: {bad}"
        await change.apply(world)
        if change.gained:
            # A client reacts to what it was told (or to nothing, when it learns of the
            # change elsewhere): it joins what it may, on the same connection.
            for notice in change.notices:
                await peer.wait_for(notice, timeout=5)
            await enter_everything(world, peer)
        # A lost right is not waited for: events produced after the change's answer
        # must already miss the socket, on every process.
        second = await play_round(world, peer)
        assert mismatches(second) == [], f"{change.name}, after: {mismatches(second)}"
        bad = await audit(world, second.events)
        assert bad == [], f"{change.name}, after: {bad}"
        assert first.allowed - second.allowed == change.lost, change.name
        assert second.allowed - first.allowed == change.gained, change.name
        for notice in change.notices:
            assert peer.events[notice], f"{change.name}: no {notice}"
        assert peer.client.connected, "the same connection throughout"
        assert len(peer.events["session"]) == 1 + ("session" in change.notices)
    finally:
        for p in (peer, world.owner_peer, world.colleague_peer):
            await p.close()
