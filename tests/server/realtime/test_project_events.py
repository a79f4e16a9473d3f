"""Live project events: after `project:subscribe`, every task and milestone change of the
project reaches the socket after commit with the resource and its new `version`, whether
REST or a socket made it; `project:unsubscribe` stops them; non-readers cannot subscribe."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestServer

from tests.factories import Client
from tests.server.realtime.chatkit import settle
from tests.server.realtime.workkit import make_team
from tests.sio import Peer, connected

EVENTS = ("task:created", "task:updated", "task:deleted", "milestone:updated")


def _ok(ack: Any) -> Any:
    assert ack["ok"], ack
    return ack["data"]


def _seen(peer: Peer) -> list[tuple[str, str, int | None]]:
    """(event, resource id, version) of every project event the peer received."""
    return sorted(
        ((e, p["id"], p.get("version")) for e in EVENTS for p in peer.events[e]),
        key=lambda seen: (seen[0], seen[1], seen[2] or 0),
    )


async def _wait_seen(peer: Peer, count: int) -> None:
    await peer.wait_until(lambda: len(_seen(peer)) >= count, timeout=15)


async def test_subscribers_hear_task_and_milestone_changes_from_rest_and_sockets(
    server: TestServer, http: Client
) -> None:
    team = await make_team(http)
    org_id, project_id = team.org["id"], team.project["id"]
    subscription = {"project_id": project_id}
    watcher = await connected(server, team.manager.access_token)
    contact = await connected(server, team.contact.access_token)
    outsider = await connected(server, team.outsider.access_token)
    writer = await connected(server, team.dev.access_token)
    try:
        assert _ok(await watcher.call("project:subscribe", subscription)) == {}
        assert _ok(await contact.call("project:subscribe", subscription)) == {}
        refused = await outsider.call("project:subscribe", subscription)
        assert refused["error"]["code"] == "not_found"

        # Tasks: created through REST and through a socket, changed both ways.
        by_rest = await team.task(team.manager)
        new = {"nom": "Recette", "statut": "IN_PROGRESS"}
        create = {"organization_id": org_id, "projet_id": project_id, "task": new}
        by_socket = _ok(await writer.call("task:create", create))
        assert by_socket["version"] == 1 and by_socket["statut"] == "IN_PROGRESS"
        target = {"organization_id": org_id, "task_id": by_socket["id"]}
        update = {**target, "expected_version": 1, "changes": {"priority": "high"}}
        assert _ok(await writer.call("task:update", update))["version"] == 2
        stale = await writer.call("task:update", update)
        assert stale["error"]["code"] == "precondition_failed"
        bad = await writer.call("task:update", {**target, "changes": {"statut": "LATER"}})
        assert bad["error"]["code"] == "validation_error"
        moved = _ok(await writer.call("task:move", {**target, "move": {"statut": "DONE"}}))
        assert (moved["version"], moved["statut"]) == (3, "DONE")
        patched = await team.patch_task(team.manager, by_socket, nom="Recette finale")
        assert patched["version"] == 4

        # Milestones: created and changed through REST, changed through a socket (by a
        # manager: the dev may not manage milestones).
        body = {
            "name": "Livraison",
            "projet_id": project_id,
            "start_date": "2026-03-02",
            "due_date": "2026-03-27",
        }
        milestone = await team.call("POST", "/milestones", team.manager, 201, body)
        await team.call(
            "PATCH", f"/milestones/{milestone['id']}", team.manager, body={"color": "#112233"}
        )
        change = {
            "organization_id": org_id,
            "milestone_id": milestone["id"],
            "changes": {"priority": "high"},
        }
        assert (await writer.call("milestone:update", change))["error"]["code"] == "forbidden"
        assert _ok(await watcher.call("milestone:update", change))["version"] == 3

        # Deletions, both ways.
        await team.call("DELETE", f"/tasks/{by_rest['id']}", team.manager, 204)
        gone = _ok(await writer.call("task:delete", target))
        assert gone == {"id": by_socket["id"], "projet_id": project_id}

        expected = sorted(
            [
                ("milestone:updated", milestone["id"], 1),
                ("milestone:updated", milestone["id"], 2),
                ("milestone:updated", milestone["id"], 3),
                ("task:created", by_rest["id"], 1),
                ("task:created", by_socket["id"], 1),
                ("task:deleted", by_rest["id"], None),
                ("task:deleted", by_socket["id"], None),
                ("task:updated", by_socket["id"], 2),
                ("task:updated", by_socket["id"], 3),
                ("task:updated", by_socket["id"], 4),
            ],
            key=lambda seen: (seen[0], seen[1], seen[2] or 0),
        )
        for peer in (watcher, contact):
            await _wait_seen(peer, len(expected))
            assert _seen(peer) == expected
        assert watcher.events["task:updated"][-1]["nom"] == "Recette finale"
        assert watcher.events["task:deleted"][0] == {"id": by_rest["id"], "projet_id": project_id}
        # The writer never subscribed, the outsider could not: neither heard anything.
        assert _seen(writer) == [] and _seen(outsider) == []

        # After unsubscribing, nothing more (the contact's copy is the barrier).
        assert _ok(await watcher.call("project:unsubscribe", subscription)) == {}
        late = await team.task(team.manager)
        await contact.wait_until(lambda: len(contact.events["task:created"]) == 3, timeout=15)
        assert contact.events["task:created"][-1]["id"] == late["id"]
        await settle()
        assert len(watcher.events["task:created"]) == 2
    finally:
        for peer in (watcher, contact, outsider, writer):
            await peer.close()
