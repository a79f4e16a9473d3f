"""The event kinds of the live-rights table: how the owner (or the colleague) makes each
happen, how to recognize it, and what REST says the target may read of it; a round plays
them all (see rightskit.py for the world they play in)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from tests.server.realtime.rightskit import Matcher, World, send, unique
from tests.server.realtime.rightsreads import (
    lists_members,
    lists_org_channels,
    reads_budget,
    reads_channel,
    reads_direct,
    reads_invoice,
    reads_org_milestones,
    reads_owner_time,
    reads_project,
)
from tests.sio import Peer

# Producers: the owner (or the colleague) makes one event kind happen and returns how to
# recognize it. A producer that REST refuses (e.g. the project was deleted) still returns
# a matcher, which then matches nothing.


def _message_in(ref: dict[str, Any], content: str) -> Matcher:
    def match(event: str, data: Any) -> bool:
        return (
            event == "message:new"
            and data["channel"]["id"] == ref["id"]
            and data["content"] == content
        )

    return match


def message_new(ref_of: Callable[[World], dict[str, Any]]) -> Callable[[World], Awaitable[Matcher]]:
    async def produce(world: World) -> Matcher:
        content = unique("msg")
        await send(world, ref_of(world), content)
        return _message_in(ref_of(world), content)

    return produce


async def message_updated(world: World) -> Matcher:
    sent = await send(world, world.general, unique("to-edit"))
    if sent is None:
        return lambda e, d: False
    text = unique("edited")
    ack = await world.owner_peer.call("message:edit", {"message_id": sent["id"], "content": text})
    assert ack["ok"], ack
    return lambda e, d: e == "message:updated" and d["id"] == sent["id"]


async def message_deleted(world: World) -> Matcher:
    sent = await send(world, world.general, unique("to-delete"))
    if sent is None:
        return lambda e, d: False
    assert (await world.owner_peer.call("message:delete", {"message_id": sent["id"]}))["ok"]
    return lambda e, d: e == "message:deleted" and d["message_id"] == sent["id"]


async def reaction_updated(world: World) -> Matcher:
    sent = await send(world, world.general, unique("to-react"))
    if sent is None:
        return lambda e, d: False
    change = {"message_id": sent["id"], "emoji": "👍"}
    assert (await world.owner_peer.call("reaction:add", change))["ok"]
    return lambda e, d: e == "reaction:updated" and d["message_id"] == sent["id"]


async def typing(world: World) -> Matcher:
    for on in (True, False):
        # Refused (not_found) once the organization is gone: then nothing is heard.
        await world.owner_peer.call("typing", {"channel": world.general, "typing": on})
    marker = world.general["id"]
    return lambda e, d: e == "typing" and d["channel"]["id"] == marker and d["typing"] is True


async def task_created(world: World) -> Matcher:
    name = unique("task")
    path = f"{world.base}/projects/{world.project['id']}/tasks"
    await world.call("POST", path, world.owner, {"nom": name})
    return lambda e, d: e == "task:created" and d["nom"] == name


async def task_updated(world: World) -> Matcher:
    name = unique("renamed")
    await world.call("PATCH", f"{world.base}/tasks/{world.task['id']}", world.owner, {"nom": name})
    return lambda e, d: e == "task:updated" and d["nom"] == name


async def task_deleted(world: World) -> Matcher:
    path = f"{world.base}/projects/{world.project['id']}/tasks"
    status, task = await world.call("POST", path, world.owner, {"nom": unique("temp")})
    if status != 201:
        return lambda e, d: False
    await world.call("DELETE", f"{world.base}/tasks/{task['id']}", world.owner, status=204)
    return lambda e, d: e == "task:deleted" and d["id"] == task["id"]


def milestone_updated(which: str) -> Callable[[World], Awaitable[Matcher]]:
    async def produce(world: World) -> Matcher:
        milestone = getattr(world, which)
        name = unique("ms")
        path = f"{world.base}/milestones/{milestone['id']}"
        await world.call("PATCH", path, world.owner, {"name": name})
        return lambda e, d: e == "milestone:updated" and d["name"] == name

    return produce


def milestone_deleted(project_level: bool) -> Callable[[World], Awaitable[Matcher]]:
    async def produce(world: World) -> Matcher:
        body: dict[str, Any] = {
            "name": unique("temp"),
            "start_date": "2026-01-05",
            "due_date": "2026-02-01",
        }
        if project_level:
            body["projet_id"] = world.project["id"]
        status, ms = await world.call("POST", f"{world.base}/milestones", world.owner, body)
        if status != 201:
            return lambda e, d: False
        await world.call("DELETE", f"{world.base}/milestones/{ms['id']}", world.owner, status=204)
        return lambda e, d: e == "milestone:deleted" and d["id"] == ms["id"]

    return produce


async def channel_added(world: World) -> Matcher:
    name = unique("annonces")
    await world.call("POST", f"{world.base}/channels", world.owner, {"name": name})
    return lambda e, d: e == "channel:added" and d["name"] == name


async def presence_updated(world: World) -> Matcher:
    status = world.presence[0]
    world.presence.reverse()
    ack = await world.colleague_peer.call("presence:set", {"status": status})
    assert ack["ok"], ack
    who, org = str(world.colleague.id), world.org["id"]
    return lambda e, d: (
        e == "presence:updated"
        and d["user_id"] == who
        and d["organization_id"] == org
        and d["status"] == status
    )


async def direct_message(world: World) -> Matcher:
    content = unique("dm")
    ref = {"type": "direct", "id": str(world.target.id), "organization_id": world.org["id"]}
    await send(world, ref, content)
    return lambda e, d: e == "message:new" and d["content"] == content


async def mention(world: World) -> Matcher:
    content = f"@{world.target.email} {unique('mention')}"
    await send(world, world.general, content)
    return lambda e, d: (
        e == "notification:new"
        and d["notification"]["type"] == "MENTION"
        and content.split()[1] in str(d["notification"])
    )


async def channel_updated(world: World) -> Matcher:
    text = unique("sujet")
    path = f"{world.base}/channels/{world.general['id']}"
    await world.call("PATCH", path, world.owner, {"description": text})
    return lambda e, d: e == "channel:updated" and d["description"] == text


async def project_updated(world: World) -> Matcher:
    name = unique("projet")
    await world.call(
        "PATCH", f"{world.base}/projects/{world.project['id']}", world.owner, {"nom": name}
    )
    return lambda e, d: e == "project:updated" and d["nom"] == name


def _amount() -> str:
    return f"{1000 + uuid.uuid4().int % 9000}.00"


async def budget_updated(world: World) -> Matcher:
    cost = _amount()
    body = {"montant_total_vente": "20000", "cout_estime_total": cost, "marge_cible_pct": "25"}
    await world.call(
        "PUT", f"{world.base}/projects/{world.project['id']}/budget", world.owner, body
    )
    return lambda e, d: e == "budget:updated" and d["cout_estime_total"] == cost


async def invoice_created(world: World) -> Matcher:
    body = {
        "projet_id": world.project["id"],
        "montant": _amount(),
        "date_facturation": "2026-02-02",
    }
    status, bill = await world.call("POST", f"{world.base}/invoices", world.owner, body)
    if status != 201:
        return lambda e, d: False
    world.invoices.append(bill["id"])
    return lambda e, d: e == "invoice:created" and d["id"] == bill["id"]


async def invoice_updated(world: World) -> Matcher:
    if not world.invoices:
        return lambda e, d: False
    bill, amount = world.invoices[-1], _amount()
    await world.call("PATCH", f"{world.base}/invoices/{bill}", world.owner, {"montant": amount})
    return lambda e, d: e == "invoice:updated" and d["id"] == bill and d["montant"] == amount


async def time_entry_created(world: World) -> Matcher:
    """The owner logs an hour of their own: validators hear it (the author is one)."""
    day = date(2026, 1, 5) + timedelta(days=len(world.time_entries))
    body = {
        "projet_id": world.project["id"],
        "profile_id": str(world.owner.id),
        "date": day.isoformat(),
        "heures_travaillees": "1",
    }
    status, entry = await world.call("POST", f"{world.base}/time-entries", world.owner, body)
    if status != 201:
        return lambda e, d: False
    world.time_entries.append(entry["id"])
    return lambda e, d: e == "time-entry:created" and d["id"] == entry["id"]


async def time_entry_validated(world: World) -> Matcher:
    if not world.time_entries:
        return lambda e, d: False
    entry = world.time_entries[-1]
    body = {"ids": [entry], "decision": "VALIDE"}
    await world.call("POST", f"{world.base}/time-entries/validate", world.owner, body)
    return lambda e, d: e == "time-entry:validated" and d["id"] == entry


@dataclass(frozen=True)
class Kind:
    """One server-to-client event kind, where it is produced, and its REST twin."""

    label: str
    produce: Callable[[World], Awaitable[Matcher]]
    readable: Callable[[World], Awaitable[bool]]


KINDS: list[Kind] = [
    Kind(
        "message:new org", message_new(lambda w: w.general), lambda w: reads_channel(w, w.general)
    ),
    Kind(
        "message:new project",
        message_new(lambda w: w.project_ref),
        lambda w: reads_channel(w, w.project_ref),
    ),
    Kind("message:new group", message_new(lambda w: w.group), lambda w: reads_channel(w, w.group)),
    Kind("message:updated", message_updated, lambda w: reads_channel(w, w.general)),
    Kind("message:deleted", message_deleted, lambda w: reads_channel(w, w.general)),
    Kind("reaction:updated", reaction_updated, lambda w: reads_channel(w, w.general)),
    Kind("typing", typing, lambda w: reads_channel(w, w.general)),
    Kind("notification:new mention", mention, lambda w: reads_channel(w, w.general)),
    Kind("message:new direct", direct_message, reads_direct),
    Kind("task:created", task_created, reads_project),
    Kind("task:updated", task_updated, reads_project),
    Kind("task:deleted", task_deleted, reads_project),
    Kind("milestone:updated project", milestone_updated("project_milestone"), reads_project),
    Kind("milestone:deleted project", milestone_deleted(True), reads_project),
    Kind("milestone:updated org", milestone_updated("org_milestone"), reads_org_milestones),
    Kind("milestone:deleted org", milestone_deleted(False), reads_org_milestones),
    Kind("channel:added org", channel_added, lists_org_channels),
    Kind("presence:updated", presence_updated, lists_members),
    Kind("channel:updated org", channel_updated, lambda w: reads_channel(w, w.general)),
    Kind("project:updated", project_updated, reads_project),
    Kind("budget:updated", budget_updated, reads_budget),
    Kind("invoice:created", invoice_created, reads_invoice),
    Kind("invoice:updated", invoice_updated, reads_invoice),
    Kind("time-entry:created", time_entry_created, reads_owner_time),
    Kind("time-entry:validated", time_entry_validated, reads_owner_time),
]
# Kinds that are not in the table, and why: `session`, `auth:expired`,
# `organization:added|removed`, `channel:removed`, `project:unsubscribed` are the live
# rights' own notices (asserted by each scenario); `channel:read` and `message:read` are
# about the user's own reading (their other device, their direct peer) and follow the
# direct channel's rule, which `message:new direct` covers; `channel:updated` of a group
# goes to its members' own rooms like `channel:added`; `time-entry:updated` shares
# `time-entry:created`'s rooms; `notification:new` of alerts goes to a user's own room.

ALL = frozenset(k.label for k in KINDS)
CHANNEL_ORG = frozenset(
    {
        "message:new org",
        "message:updated",
        "message:deleted",
        "reaction:updated",
        "typing",
        "notification:new mention",
        "channel:updated org",
    }
)
PROJECT = frozenset(
    {
        "message:new project",
        "task:created",
        "task:updated",
        "task:deleted",
        "milestone:updated project",
        "milestone:deleted project",
        "project:updated",
    }
)
# What the finance and validating roles (MANAGER and above) read, and a consultant not.
MANAGERS_ONLY = frozenset(
    {
        "budget:updated",
        "invoice:created",
        "invoice:updated",
        "time-entry:created",
        "time-entry:validated",
    }
)
# What a CLIENT member reads as the project's client contact, besides the project.
INVOICES = frozenset({"invoice:created", "invoice:updated"})
# What a consultant reads of the world (every kind but the managers').
CONSULTANT_READS = ALL - MANAGERS_ONLY
STAFF_ONLY = CHANNEL_ORG | {
    "milestone:updated org",
    "milestone:deleted org",
    "channel:added org",
    "presence:updated",
}


@dataclass
class Round:
    """One production of every kind: what REST allowed and what the socket heard."""

    readable: dict[str, bool]
    heard: dict[str, bool]
    events: list[tuple[str, Any]]

    @property
    def allowed(self) -> frozenset[str]:
        return frozenset(k for k, ok in self.readable.items() if ok)


def _arrivals(peer: Peer) -> list[tuple[str, Any]]:
    return peer.arrivals


async def play_round(world: World, peer: Peer | None) -> Round:
    """Produce every kind, wait for the barrier, and compare with REST."""
    before = len(_arrivals(peer)) if peer is not None else 0
    matchers = {kind.label: await kind.produce(world) for kind in KINDS}
    barrier = unique("barrier")
    ref = {"type": "direct", "id": str(world.target.id), "organization_id": world.side_org["id"]}
    await send(world, ref, barrier)
    if peer is not None and peer.client.connected:
        await peer.wait_until(
            lambda: any(e == "message:new" and d["content"] == barrier for e, d in _arrivals(peer)),
            timeout=10,
        )
    events = _arrivals(peer)[before:] if peer else []
    readable = {kind.label: await kind.readable(world) for kind in KINDS}
    heard = {label: any(match(e, d) for e, d in events) for label, match in matchers.items()}
    return Round(readable, heard, events)


def mismatches(played: Round) -> list[str]:
    """Kinds heard without the right to read them, or readable and not heard."""
    return [
        f"{label}: heard={played.heard[label]} readable={played.readable[label]}"
        for label in played.readable
        if played.heard[label] != played.readable[label]
    ]
