"""Live business events on real sockets: `project:updated` to the project's subscribers,
`budget:updated` to the finance roles only, `invoice:created|updated` to them and the
project's client contact,
`time-entry:created|updated|validated` to the entry's author and the validators only,
with the live-rights rule (a role change moves the socket in or out of the room).

Negative checks use a later event heard by another socket as a barrier: the server
publishes in commit order, so once the later one arrived an earlier one would have."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestServer

from tests.factories import Client, User
from tests.server.realtime.chatkit import settle
from tests.server.realtime.workkit import make_team
from tests.server.rest.financekit import day, invoice, log_time, put_budget
from tests.sio import Peer, connected

FINANCE = ("budget:updated", "invoice:created", "invoice:updated")
TIME = ("time-entry:created", "time-entry:updated", "time-entry:validated")


def _ok(ack: Any) -> Any:
    assert ack["ok"], ack
    return ack["data"]


def _heard(peer: Peer, *names: str) -> list[str]:
    return [name for name in names for _ in peer.events[name]]


async def _peers(server: TestServer, **users: User) -> dict[str, Peer]:
    return {name: await connected(server, user.access_token) for name, user in users.items()}


async def test_project_subscribers_hear_project_updated(server: TestServer, http: Client) -> None:
    team = await make_team(http)
    subscription = {"project_id": team.project["id"]}
    peers = await _peers(
        server, dev=team.dev, contact=team.contact, manager=team.manager, outsider=team.outsider
    )
    try:
        for name in ("dev", "contact"):
            _ok(await peers[name].call("project:subscribe", subscription))
        refused = await peers["outsider"].call("project:subscribe", subscription)
        assert refused["error"]["code"] == "not_found"
        await team.call(
            "PATCH", f"/projects/{team.project['id']}", team.manager, 200, {"nom": "Refonte"}
        )
        for name in ("dev", "contact"):
            (updated,) = await peers[name].wait_for("project:updated")
            assert (updated["id"], updated["nom"]) == (team.project["id"], "Refonte")
            assert updated["version"] == team.project["version"] + 1
        await settle()
        # Not subscribed (the manager), or may not read it (the other client's contact).
        assert peers["manager"].events["project:updated"] == []
        assert peers["outsider"].events["project:updated"] == []
    finally:
        for peer in peers.values():
            await peer.close()


async def test_budgets_and_invoices_are_heard_by_the_finance_roles_and_invoices_by_the_contact(
    server: TestServer, http: Client
) -> None:
    team = await make_team(http)
    peers = await _peers(
        server,
        owner=team.owner,
        manager=team.manager,
        dev=team.dev,
        contact=team.contact,
        outsider=team.outsider,
    )
    try:
        resp = await put_budget(http, team.manager, team.org, team.project, "5000", "3000", "30")
        assert resp.status == 201
        bill = await invoice(
            http, team.manager, team.org, team.project, montant="900", date_facturation=day(-40)
        )
        await team.call("PATCH", f"/invoices/{bill['id']}", team.manager, 200, {"montant": "950"})
        for name in ("owner", "manager"):
            peer = peers[name]
            await peer.wait_for("invoice:updated")
            assert _heard(peer, *FINANCE) == list(FINANCE)
            (budget,) = peer.events["budget:updated"]
            assert (budget["projet_id"], budget["cout_estime_total"]) == (
                team.project["id"],
                "3000.00",
            )
            (created,) = peer.events["invoice:created"]
            assert (created["id"], created["statut_paiement"]) == (bill["id"], "RETARD")
            assert peer.events["invoice:updated"][0]["montant"] == "950.00"
        # The project's client contact reads its invoices (never its budget): they hear
        # those; a consultant and another client hear none of it.
        await peers["contact"].wait_for("invoice:updated")
        assert _heard(peers["contact"], *FINANCE) == ["invoice:created", "invoice:updated"]
        assert _heard(peers["dev"], *FINANCE) == []
        assert _heard(peers["outsider"], *FINANCE) == []

        # Promoted to MANAGER, the consultant's socket joins the finance room; demoted,
        # it leaves it (live rights: `session` tells each change).
        path = f"/members/{team.dev.id}"
        await team.call("PATCH", path, team.owner, 200, {"role": "MANAGER"})
        await peers["dev"].wait_for("session", 2)
        await team.call("PATCH", f"/invoices/{bill['id']}", team.manager, 200, {"montant": "960"})
        (heard,) = await peers["dev"].wait_for("invoice:updated")
        assert heard["montant"] == "960.00"
        await team.call("PATCH", path, team.owner, 200, {"role": "CONSULTANT"})
        await peers["dev"].wait_for("session", 3)
        await team.call("PATCH", f"/invoices/{bill['id']}", team.manager, 200, {"montant": "970"})
        await peers["owner"].wait_for("invoice:updated", 3)
        await settle()
        assert len(peers["dev"].events["invoice:updated"]) == 1
        assert len(peers["contact"].events["invoice:updated"]) == 3
        assert _heard(peers["outsider"], *FINANCE) == []
    finally:
        for peer in peers.values():
            await peer.close()


async def test_time_entries_are_heard_by_their_author_and_the_validators_only(
    server: TestServer, http: Client
) -> None:
    team = await make_team(http)
    peers = await _peers(
        server,
        dev=team.dev,
        manager=team.manager,
        owner=team.owner,
        lead=team.lead,
        contact=team.contact,
    )
    try:
        kept = await log_time(http, team.dev, team.org, team.project, team.dev, "4", -1)
        refused = await log_time(http, team.dev, team.org, team.project, team.dev, "2", -2)
        await team.call("PATCH", f"/time-entries/{kept}", team.dev, 200, {"description": "Atelier"})
        body = {"ids": [kept], "decision": "VALIDE"}
        await team.call("POST", "/time-entries/validate", team.manager, 200, body)
        body = {"ids": [refused], "decision": "REJETE", "motif": "doublon"}
        await team.call("POST", "/time-entries/validate", team.manager, 200, body)
        for name in ("dev", "manager", "owner"):
            peer = peers[name]
            await peer.wait_for("time-entry:updated", 2)
            assert [e["id"] for e in peer.events["time-entry:created"]] == [kept, refused]
            updated = peer.events["time-entry:updated"]
            assert [(e["id"], e["validation_statut"]) for e in updated] == [
                (kept, "EN_ATTENTE"),
                (refused, "REJETE"),
            ]
            (validated,) = peer.events["time-entry:validated"]
            assert (validated["id"], validated["validation_statut"]) == (kept, "VALIDE")
        # A validator's own entry: heard once on their sockets, not by the consultants.
        mine = await log_time(http, team.manager, team.org, team.project, team.manager, "1", -3)
        await peers["owner"].wait_for("time-entry:created", 3)
        await settle()
        assert [e["id"] for e in peers["manager"].events["time-entry:created"]] == [
            kept,
            refused,
            mine,
        ]
        assert len(peers["dev"].events["time-entry:created"]) == 2
        assert _heard(peers["lead"], *TIME) == []
        assert _heard(peers["contact"], *TIME) == []
    finally:
        for peer in peers.values():
            await peer.close()
