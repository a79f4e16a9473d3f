"""The live-rights table: every server-to-client event kind, produced for a watched user
`target` before and after each access change, and what their open socket hears compared
with what REST lets them read at that moment.

A `World` is an organization with everything that has an audience: the `general`
organization channel, a project (its channel, a task, a milestone) whose client may have
`target` as contact, an organization-level milestone, a group, and a colleague whose
presence changes. The owner acts; a second organization both belong to carries the
barrier (a direct message to `target`): once it arrives, everything produced before it
has arrived too (one process: emits in order; two processes: one Redis channel in order).

Works on one in-process server (`aiohttp` `TestServer` + `TestClient`) and on real
processes (`ServerProcess` + its `http()` session): `http` is anything with `request`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from tests.factories import User, add_member, create_org, expect, register
from tests.server.rest.projectkit import make_client, make_project, org_url
from tests.sio import Peer, connected

Http = Any
Server = Any
Matcher = Callable[[str, Any], bool]


@dataclass
class World:
    http: Http
    org: dict[str, Any]
    owner: User
    target: User
    colleague: User
    side_org: dict[str, Any]
    general: dict[str, Any]
    project: dict[str, Any]
    customer: dict[str, Any]
    group: dict[str, Any]
    task: dict[str, Any]
    org_milestone: dict[str, Any]
    project_milestone: dict[str, Any]
    owner_peer: Peer
    colleague_peer: Peer
    target_peer: Peer | None = None
    presence: list[str] = field(default_factory=lambda: ["away", "online"])

    @property
    def base(self) -> str:
        return org_url(self.org)

    @property
    def project_ref(self) -> dict[str, Any]:
        return {"type": "project", "id": self.project["channel_id"]}

    def refs(self) -> list[dict[str, Any]]:
        return [self.general, self.project_ref, self.group]

    async def call(
        self, method: str, path: str, user: User, body: Any = None, status: int | None = None
    ) -> Any:
        resp = await self.http.request(method, path, json=body, headers=user.headers)
        if status is not None:
            return await expect(resp, status)
        payload = await resp.json() if resp.content_type.endswith("json") else None
        return resp.status, payload

    async def can_get(self, path: str, user: User | None = None) -> bool:
        status, _ = await self.call("GET", path, user or self.target)
        assert status in (200, 403, 404), (path, status)
        return bool(status == 200)


async def build_world(
    http: Http,
    server: Server,
    target_role: str | None,
    *,
    contact: bool = False,
    in_group: bool = True,
) -> World:
    """`target` holds `target_role` in the organization (None: not a member), is the
    project's client contact when `contact`, and in the group when `in_group`."""
    owner = await register(http)
    org = await create_org(http, owner)
    side_org = await create_org(http, owner)
    colleague = await add_member(http, owner, org["id"], "CONSULTANT")
    if target_role is None:
        target = await register(http)
    else:
        target = await add_member(http, owner, org["id"], target_role)
    await add_member_existing(http, owner, side_org["id"], target)
    customer = await make_client(http, owner, org, contact=target if contact else None)
    project = await make_project(http, owner, org, customer=customer)
    base = org_url(org)
    listing = await expect(
        await http.request("GET", f"{base}/channels", headers=owner.headers), 200
    )
    (general,) = [c["channel"] for c in listing["items"] if c["channel"]["name"] == "general"]
    members = [str(colleague.id)] + ([str(target.id)] if in_group and target_role else [])
    group = await expect(
        await http.request(
            "POST",
            f"{base}/groups",
            json={"name": "Avant-vente", "member_ids": members},
            headers=owner.headers,
        ),
        201,
    )
    task = await expect(
        await http.request(
            "POST",
            f"{base}/projects/{project['id']}/tasks",
            json={"nom": "Maquettes"},
            headers=owner.headers,
        ),
        201,
    )
    dates = {"start_date": "2026-01-05", "due_date": "2026-03-01"}
    org_ms = await expect(
        await http.request(
            "POST", f"{base}/milestones", json={"name": "Firm", **dates}, headers=owner.headers
        ),
        201,
    )
    body = {"name": "Lot 1", "projet_id": project["id"], **dates}
    project_ms = await expect(
        await http.request("POST", f"{base}/milestones", json=body, headers=owner.headers), 201
    )
    owner_peer = await connected(server, owner.access_token)
    colleague_peer = await connected(server, colleague.access_token)
    world = World(
        http=http,
        org=org,
        owner=owner,
        target=target,
        colleague=colleague,
        side_org=side_org,
        general={"type": "organization", "id": general["id"]},
        project=project,
        customer=customer,
        group={"type": "group", "id": group["id"]},
        task=task,
        org_milestone=org_ms,
        project_milestone=project_ms,
        owner_peer=owner_peer,
        colleague_peer=colleague_peer,
    )
    for ref in world.refs():
        assert (await owner_peer.call("channel:join", {"channel": ref}))["ok"]
    return world


async def add_member_existing(http: Http, owner: User, org_id: Any, user: User) -> None:
    """`user` (already registered) joins `org_id` through a join code."""
    code = await expect(
        await http.request("POST", f"{org_url(org_id)}/join-codes", json={}, headers=owner.headers),
        201,
    )
    await expect(
        await http.request(
            "POST", "/api/v1/join", json={"code": code["code"]}, headers=user.headers
        ),
        201,
    )


async def connect_target(world: World, server: Server) -> Peer:
    """The watched socket, in every room it may enter (the others refuse it)."""
    peer = await connected(server, world.target.access_token)
    world.target_peer = peer
    await enter_everything(world, peer)
    return peer


async def enter_everything(world: World, peer: Peer) -> None:
    """What a client does on `session` / `organization:added`: join what it may."""
    for ref in world.refs():
        await peer.call("channel:join", {"channel": ref})
    await peer.call("project:subscribe", {"project_id": world.project["id"]})


def _unique(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:8]}"


# Producers: the owner (or the colleague) makes one event kind happen and returns how to
# recognize it. A producer that REST refuses (e.g. the project was deleted) still returns
# a matcher, which then matches nothing.


async def _send(world: World, ref: dict[str, Any], content: str) -> dict[str, Any] | None:
    ack = await world.owner_peer.call(
        "message:send", {"channel": ref, "content": content, "client_msg_id": uuid.uuid4().hex}
    )
    return ack["data"] if ack["ok"] else None


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
        content = _unique("msg")
        await _send(world, ref_of(world), content)
        return _message_in(ref_of(world), content)

    return produce


async def message_updated(world: World) -> Matcher:
    sent = await _send(world, world.general, _unique("to-edit"))
    if sent is None:
        return lambda e, d: False
    text = _unique("edited")
    ack = await world.owner_peer.call("message:edit", {"message_id": sent["id"], "content": text})
    assert ack["ok"], ack
    return lambda e, d: e == "message:updated" and d["id"] == sent["id"]


async def message_deleted(world: World) -> Matcher:
    sent = await _send(world, world.general, _unique("to-delete"))
    if sent is None:
        return lambda e, d: False
    assert (await world.owner_peer.call("message:delete", {"message_id": sent["id"]}))["ok"]
    return lambda e, d: e == "message:deleted" and d["message_id"] == sent["id"]


async def reaction_updated(world: World) -> Matcher:
    sent = await _send(world, world.general, _unique("to-react"))
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
    name = _unique("task")
    path = f"{world.base}/projects/{world.project['id']}/tasks"
    await world.call("POST", path, world.owner, {"nom": name})
    return lambda e, d: e == "task:created" and d["nom"] == name


async def task_updated(world: World) -> Matcher:
    name = _unique("renamed")
    await world.call("PATCH", f"{world.base}/tasks/{world.task['id']}", world.owner, {"nom": name})
    return lambda e, d: e == "task:updated" and d["nom"] == name


async def task_deleted(world: World) -> Matcher:
    path = f"{world.base}/projects/{world.project['id']}/tasks"
    status, task = await world.call("POST", path, world.owner, {"nom": _unique("temp")})
    if status != 201:
        return lambda e, d: False
    await world.call("DELETE", f"{world.base}/tasks/{task['id']}", world.owner, status=204)
    return lambda e, d: e == "task:deleted" and d["id"] == task["id"]


def milestone_updated(which: str) -> Callable[[World], Awaitable[Matcher]]:
    async def produce(world: World) -> Matcher:
        milestone = getattr(world, which)
        name = _unique("ms")
        path = f"{world.base}/milestones/{milestone['id']}"
        await world.call("PATCH", path, world.owner, {"name": name})
        return lambda e, d: e == "milestone:updated" and d["name"] == name

    return produce


def milestone_deleted(project_level: bool) -> Callable[[World], Awaitable[Matcher]]:
    async def produce(world: World) -> Matcher:
        body: dict[str, Any] = {
            "name": _unique("temp"),
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
    name = _unique("annonces")
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
    content = _unique("dm")
    ref = {"type": "direct", "id": str(world.target.id), "organization_id": world.org["id"]}
    await _send(world, ref, content)
    return lambda e, d: e == "message:new" and d["content"] == content


async def mention(world: World) -> Matcher:
    content = f"@{world.target.email} {_unique('mention')}"
    await _send(world, world.general, content)
    return lambda e, d: (
        e == "notification:new"
        and d["notification"]["type"] == "MENTION"
        and content.split()[1] in str(d["notification"])
    )


# What REST says the target may read now, per kind.


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
]
# Kinds that are not in the table, and why: `session`, `auth:expired`,
# `organization:added|removed`, `channel:removed`, `project:unsubscribed` are the live
# rights' own notices (asserted by each scenario); `channel:read` and `message:read` are
# about the user's own reading (their other device, their direct peer) and follow the
# direct channel's rule, which `message:new direct` covers.

ALL = frozenset(k.label for k in KINDS)
CHANNEL_ORG = frozenset(
    {
        "message:new org",
        "message:updated",
        "message:deleted",
        "reaction:updated",
        "typing",
        "notification:new mention",
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
    }
)
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
    barrier = _unique("barrier")
    ref = {"type": "direct", "id": str(world.target.id), "organization_id": world.side_org["id"]}
    await _send(world, ref, barrier)
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
