"""`GET /orgs/{org}/messages/search`: ranked full-text search over readable channels."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from store import search as search_store
from store.db import create_engine
from tests.factories import Client, User, expect
from tests.server.realtime.chatkit import Org, make_org, member, send
from tests.server.rest.projectkit import make_project
from tests.sio import Peer, connected


def _url(org_id: str) -> str:
    return f"/api/v1/orgs/{org_id}/messages/search"


async def _search(http: Client, user: User, org_id: str, q: str, **params: Any) -> Any:
    resp = await http.get(_url(org_id), params={"q": q, **params}, headers=user.headers)
    return await expect(resp, 200)


async def _contents(http: Client, user: User, org_id: str, q: str) -> list[str]:
    return [hit["message"]["content"] for hit in (await _search(http, user, org_id, q))["items"]]


async def _peers(server: TestServer, *users: User) -> list[Peer]:
    return [await connected(server, user.access_token) for user in users]


async def _close(peers: list[Peer]) -> None:
    for peer in peers:
        await peer.close()


async def test_search_finds_plurals_and_shows_each_message_as_the_caller_sees_it(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    bob = await member(http, org)
    peers = await _peers(server, org.owner, bob)
    alice, bob_peer = peers
    try:
        in_general = await send(alice, org.ref(), "Le projet avance bien")
        await send(alice, org.ref(), "Rien à signaler aujourd'hui")
        await send(alice, {"type": "direct", "id": str(bob.id)}, "Point sur le projet demain")
        await bob_peer.call("reaction:add", {"message_id": in_general["id"], "emoji": "👍"})

        page = await _search(http, bob, org.id, "projets")
        assert len(page["items"]) == 2 and page["next_cursor"] is None
        by_channel = {hit["message"]["channel"]["type"]: hit for hit in page["items"]}
        assert set(by_channel) == {"organization", "direct"}
        general_hit = by_channel["organization"]["message"]
        assert general_hit == {
            **in_general,
            "reactions": [{"emoji": "👍", "count": 1, "user_ids": [str(bob.id)]}],
        }
        # Bob names the direct conversation by its other side.
        assert by_channel["direct"]["message"]["channel"] == {
            "type": "direct",
            "id": str(org.owner.id),
        }
        assert all(isinstance(hit["rank"], float) and hit["rank"] > 0 for hit in page["items"])
    finally:
        await _close(peers)


async def test_accents_and_french_forms_are_found_alike_on_both_engines(
    server: TestServer, http: Client
) -> None:
    """Accents are ignored ("equipe" finds "équipe") and French forms share a stem
    ("cheval" finds "chevaux"), on PostgreSQL (unaccent + french_stem) as on SQLite
    (FTS5 over PyStemmer's French stems)."""
    org = await make_org(http)
    (alice,) = await _peers(server, org.owner)
    try:
        await send(alice, org.ref(), "Notre équipe gère les chevaux")
        await send(alice, org.ref(), "Le développement des livrables")
        owner = org.owner
        for q in ("équipe", "equipe", "EQUIPES", "cheval"):
            assert await _contents(http, owner, org.id, q) == ["Notre équipe gère les chevaux"], q
        for q in ("livrable", "developpement", "développements"):
            assert await _contents(http, owner, org.id, q) == ["Le développement des livrables"], q
    finally:
        await alice.close()


async def test_every_word_must_appear_and_denser_matches_rank_first(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    (alice,) = await _peers(server, org.owner)
    try:
        await send(alice, org.ref(), "Budget validé pour le client, budget et encore budget")
        await send(alice, org.ref(), "Le budget est une question parmi tant d'autres ce mois-ci")
        await send(alice, org.ref(), "Le client a appelé")
        page = await _search(http, org.owner, org.id, "budget")
        contents = [hit["message"]["content"] for hit in page["items"]]
        assert contents[0].startswith("Budget validé") and len(contents) == 2
        ranks = [hit["rank"] for hit in page["items"]]
        assert ranks == sorted(ranks, reverse=True) and ranks[0] > ranks[1]
        assert await _contents(http, org.owner, org.id, "budget client") == [contents[0]]
    finally:
        await alice.close()


async def test_search_never_returns_messages_of_channels_the_caller_cannot_read(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    bob, carol = await member(http, org), await member(http, org)
    client_user = await member(http, org, "CLIENT")
    other = await make_org(http)
    peers = await _peers(server, org.owner, bob, other.owner)
    alice, bob_peer, stranger = peers
    try:
        group = await expect(
            await http.post(
                f"/api/v1/orgs/{org.id}/groups",
                json={"name": "Direction", "member_ids": [str(bob.id)]},
                headers=org.owner.headers,
            ),
            201,
        )
        await send(alice, org.ref(), "budget général")
        await send(alice, {"type": "group", "id": group["id"]}, "budget du groupe")
        await send(alice, {"type": "direct", "id": str(bob.id)}, "budget entre nous")
        await send(bob_peer, {"type": "direct", "id": str(carol.id)}, "budget pour carol")
        await send(stranger, other.ref(), "budget d'une autre organisation")

        assert sorted(await _contents(http, bob, org.id, "budget")) == [
            "budget du groupe",
            "budget entre nous",
            "budget général",
            "budget pour carol",
        ]
        assert sorted(await _contents(http, carol, org.id, "budget")) == [
            "budget général",
            "budget pour carol",
        ]
        assert await _contents(http, client_user, org.id, "budget") == []
        assert await _contents(http, other.owner, other.id, "budget") == [
            "budget d'une autre organisation"
        ]
        resp = await http.get(_url(other.id), params={"q": "budget"}, headers=bob.headers)
        assert (await expect(resp, 404))["code"] == "not_found"
    finally:
        await _close(peers)


async def test_project_channels_are_searched_by_their_readers_only(
    server: TestServer, http: Client
) -> None:
    """A CLIENT member reads only the projects of the client they are the contact of,
    and no organization channel."""
    org = await make_org(http)
    contact = await member(http, org, "CLIENT")
    theirs = await make_project(http, org.owner, org.id, contact=contact)
    other = await make_project(http, org.owner, org.id)
    (alice,) = await _peers(server, org.owner)
    try:
        for where, text_ in (
            ({"type": "project", "id": theirs["channel_id"]}, "livraison du lot 1"),
            ({"type": "project", "id": other["channel_id"]}, "livraison confidentielle"),
            (org.ref(), "livraison interne"),
        ):
            await send(alice, where, text_)
        assert await _contents(http, contact, org.id, "livraison") == ["livraison du lot 1"]
        assert len(await _contents(http, org.owner, org.id, "livraison")) == 3
    finally:
        await alice.close()


async def test_deleted_messages_are_never_found_and_edits_are_searched_as_edited(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    bob = await member(http, org)
    peers = await _peers(server, org.owner, bob)
    alice, bob_peer = peers
    try:
        gone = await send(alice, org.ref(), "facture obsolète")
        gone_dm = await send(bob_peer, {"type": "direct", "id": str(org.owner.id)}, "facture")
        edited = await send(alice, org.ref(), "ancienne version")
        for message in (gone, gone_dm):
            peer = alice if message is gone else bob_peer
            ack = await peer.call("message:delete", {"message_id": message["id"]})
            assert ack["ok"], ack
        ack = await alice.call(
            "message:edit", {"message_id": edited["id"], "content": "nouvelle version"}
        )
        assert ack["ok"], ack

        assert await _contents(http, org.owner, org.id, "facture") == []
        assert await _contents(http, bob, org.id, "facture") == []
        assert await _contents(http, org.owner, org.id, "ancienne") == []
        assert await _contents(http, org.owner, org.id, "nouvelle") == ["nouvelle version"]
    finally:
        await _close(peers)


async def test_index_stays_consistent_through_edits_deletes_and_a_rebuild(
    server: TestServer, http: Client, database_url: str, engine_name: str
) -> None:
    """On SQLite the triggers keep each FTS5 table equal to the stems of its table's text:
    FTS5's own integrity check passes, and every row holds exactly the stemmed text,
    after edits and deletes, and after a rebuild."""
    org = await make_org(http)
    bob = await member(http, org)
    peers = await _peers(server, org.owner, bob)
    alice, bob_peer = peers
    try:
        kept = await send(alice, org.ref(), "réunion client jeudi")
        edited = await send(bob_peer, {"type": "direct", "id": str(org.owner.id)}, "réunion")
        gone = await send(alice, org.ref(), "réunion annulée")
        await alice.call("message:edit", {"message_id": kept["id"], "content": "réunion lundi"})
        await bob_peer.call("message:edit", {"message_id": edited["id"], "content": "atelier"})
        await alice.call("message:delete", {"message_id": gone["id"]})

        engine = create_engine(database_url)  # SQLite: registers aurentia_stem()
        try:
            async with engine.begin() as conn:
                await _check_fts(conn, engine_name)
                async with AsyncSession(bind=conn) as session:
                    await search_store.rebuild_sqlite_index(session)
                await _check_fts(conn, engine_name)
        finally:
            await engine.dispose()
        assert await _contents(http, org.owner, org.id, "réunion") == ["réunion lundi"]
        assert await _contents(http, org.owner, org.id, "atelier") == ["atelier"]
        assert await _contents(http, org.owner, org.id, "jeudi") == []
    finally:
        await _close(peers)


async def _check_fts(conn: AsyncConnection, engine_name: str) -> None:
    if engine_name != "sqlite":
        return  # PostgreSQL's expression indexes are maintained by PostgreSQL itself.
    for name in search_store.FTS_TABLES:
        # Raises (SQLITE_CORRUPT_VTAB) when the index and its stored text disagree.
        await conn.execute(text(f"INSERT INTO {name}({name}, rank) VALUES ('integrity-check', 1)"))
    for source in search_store.MESSAGE_TABLES:
        drift = await conn.scalar(
            text(
                f"SELECT count(*) FROM {source} m FULL JOIN {source}_fts f ON f.rowid = m.rowid "
                "WHERE f.body IS NOT aurentia_stem(m.content)"
            )
        )
        assert drift == 0, source


async def test_results_page_through_with_an_opaque_cursor(server: TestServer, http: Client) -> None:
    org = await make_org(http)
    (alice,) = await _peers(server, org.owner)
    try:
        sent = [await send(alice, org.ref(), f"rapport numéro {i}") for i in range(5)]
        seen: list[str] = []
        cursor: str | None = None
        pages = 0
        while True:
            params = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
            page = await _search(http, org.owner, org.id, "rapport", **params)
            seen += [hit["message"]["id"] for hit in page["items"]]
            pages += 1
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert pages == 3
        assert sorted(seen) == sorted(m["id"] for m in sent)
        everything = await _search(http, org.owner, org.id, "rapport", limit="5")
        assert everything["next_cursor"] is None and len(everything["items"]) == 5
    finally:
        await alice.close()


HOSTILE = [
    '"foo AND (',
    "*",
    '"',
    "''",
    "NEAR(a b, 2)",
    "content:budget",
    "budget*",
    "-budget",
    "budget OR",
    "AND NOT",
    "^budget",
    "(((",
    "'; DROP TABLE channel_messages; --",
    "!:&|<->",
    "budget\x00général",
    "\\",
    "💥" * 50,
    "a" * 200,
]


async def _assert_survives(http: Client, org: Org, q: str) -> None:
    resp = await http.get(_url(org.id), params={"q": q}, headers=org.owner.headers)
    assert resp.status in (200, 422), (q, resp.status, await resp.text())
    if resp.status == 200:
        assert "items" in await resp.json()


@pytest.mark.parametrize("q", HOSTILE)
async def test_hostile_queries_answer_200_or_422_never_500(
    server: TestServer, http: Client, q: str
) -> None:
    org = await make_org(http)
    (alice,) = await _peers(server, org.owner)
    try:
        await send(alice, org.ref(), "budget général validé")
        await _assert_survives(http, org, q)
    finally:
        await alice.close()


async def test_query_syntax_is_taken_as_plain_words(server: TestServer, http: Client) -> None:
    org = await make_org(http)
    (alice,) = await _peers(server, org.owner)
    try:
        await send(alice, org.ref(), "budget général validé")
        assert await _contents(http, org.owner, org.id, "*") == []
        assert await _contents(http, org.owner, org.id, '"budget AND (') == []
        assert await _contents(http, org.owner, org.id, '"budget" (validé)') == [
            "budget général validé"
        ]
        # NUL is refused in every query string (PostgreSQL cannot hold it).
        resp = await http.get(
            _url(org.id), params={"q": "budget\x00validé"}, headers=org.owner.headers
        )
        assert resp.status == 422
        resp = await http.get(_url(org.id) + "?q=budget%ED%A0%80%FF", headers=org.owner.headers)
        assert resp.status in (200, 422), await resp.text()
    finally:
        await alice.close()


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({}, ["query", "q"]),
        ({"q": "   "}, ["query", "q"]),
        ({"q": "x" * 201}, ["query", "q"]),
        ({"q": "budget", "limit": "0"}, ["query", "limit"]),
        ({"q": "budget", "cursor": "not-a-cursor"}, ["query", "cursor"]),
        # An offset of 5000, past the cap (base64url of "[5000]").
        ({"q": "budget", "cursor": "WzUwMDBd"}, ["query", "cursor"]),
        ({"q": "budget", "sort": "date"}, ["query", "sort"]),
    ],
)
async def test_bad_parameters_are_422_naming_the_field(
    http: Client, params: dict[str, str], loc: list[str]
) -> None:
    org = await make_org(http)
    resp = await http.get(_url(org.id), params=params, headers=org.owner.headers)
    body = await expect(resp, 422)
    assert [e["loc"] for e in body["errors"]] == [loc]


async def test_search_needs_a_signed_in_member(http: Client) -> None:
    org = await make_org(http)
    resp = await http.get(_url(org.id), params={"q": "budget"})
    assert resp.status == 401
    resp = await http.get(
        "/api/v1/orgs/not-a-uuid/messages/search",
        params={"q": "budget"},
        headers=org.owner.headers,
    )
    assert resp.status == 422
