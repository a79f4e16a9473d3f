"""`GET /orgs/{org}/search`: messages, tasks, projects and clients in one ranked list,
web-search syntax, accents and French forms on both engines, the same read rules as the
resources' own routes, highlighted snippets."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestServer

from tests.factories import Client, User, expect
from tests.server.realtime.chatkit import Org, make_org, member, send
from tests.server.rest.projectkit import make_client, make_project, make_task
from tests.sio import connected


async def _search(http: Client, org: Org, user: User, q: str, **params: Any) -> Any:
    resp = await http.get(
        f"/api/v1/orgs/{org.id}/search", params={"q": q, **params}, headers=user.headers
    )
    return await expect(resp, 200)


async def _found(http: Client, org: Org, user: User, q: str, **params: Any) -> set[tuple[str, str]]:
    """(type, title or message content) of every hit."""
    page = await _search(http, org, user, q, **params)
    return {
        (hit["type"], hit["message"]["content"] if hit["message"] else hit["title"])
        for hit in page["items"]
    }


async def _world(server: TestServer, http: Client) -> tuple[Org, User, dict[str, Any]]:
    """An organization with a message, a client with its CLIENT contact, a project and a
    task of that client, and another client's project."""
    org = await make_org(http)
    contact = await member(http, org, "CLIENT")
    customer = await make_client(
        http, org.owner, org.id, contact=contact, nom="Équipements Rhône", secteur="Banque"
    )
    project = await make_project(
        http,
        org.owner,
        org.id,
        customer=customer,
        nom="Migration cloud",
        description="Bascule des équipes vers AWS",
    )
    task = await make_task(
        http, org.owner, org.id, project, nom="Migrer la base", description="base de données"
    )
    other = await make_project(http, org.owner, org.id, nom="Migration interne")
    peer = await connected(server, org.owner.access_token)
    try:
        await send(peer, org.ref(), "L'équipe prépare la migration <script>x</script>")
    finally:
        await peer.close()
    return org, contact, {"project": project, "task": task, "other": other}


async def test_one_search_finds_every_kind_with_accents_and_french_forms(
    server: TestServer, http: Client
) -> None:
    org, _, made = await _world(server, http)
    owner = org.owner
    assert await _found(http, org, owner, "migration") == {
        ("message", "L'équipe prépare la migration <script>x</script>"),
        ("project", "Migration cloud"),
        ("project", "Migration interne"),
    }
    # "equipe" finds équipe (message), équipes (project) and Équipements (its stem too).
    assert await _found(http, org, owner, "equipe") == {
        ("message", "L'équipe prépare la migration <script>x</script>"),
        ("project", "Migration cloud"),
        ("client", "Équipements Rhône"),
    }
    assert await _found(http, org, owner, "équipement banque") == {("client", "Équipements Rhône")}
    page = await _search(http, org, owner, "donnée")
    (hit,) = page["items"]
    assert hit["type"] == "task" and hit["id"] == made["task"]["id"]
    assert hit["project_id"] == made["project"]["id"]
    assert "<mark>données</mark>" in hit["snippet"]
    (message,) = (await _search(http, org, owner, "migration", types="message"))["items"]
    assert "<mark>migration</mark>" in message["snippet"]
    assert "&lt;script&gt;" in message["snippet"] and "<script>" not in message["snippet"]
    assert message["message"]["channel"] == org.ref()
    assert await _found(http, org, owner, "migration", types="task,client") == set()


async def test_web_search_syntax_phrases_exclusions_and_or(
    server: TestServer, http: Client
) -> None:
    org, _, _ = await _world(server, http)
    owner = org.owner
    assert await _found(http, org, owner, "migration -cloud", types="project") == {
        ("project", "Migration interne")
    }
    assert await _found(http, org, owner, '"migration cloud"', types="project") == {
        ("project", "Migration cloud")
    }
    assert await _found(http, org, owner, '"cloud migration"', types="project") == set()
    assert await _found(http, org, owner, "interne OR banque", types="project,client") == {
        ("project", "Migration interne"),
        ("client", "Équipements Rhône"),
    }
    assert await _found(http, org, owner, "-migration") == set()
    for hostile in ['"', "-", "OR", 'a" OR -"', "(migration", "migration*", "NEAR(a b)"]:
        await _search(http, org, owner, hostile)


async def test_each_kind_is_filtered_by_the_callers_read_rules(
    server: TestServer, http: Client
) -> None:
    org, contact, _ = await _world(server, http)
    # The client's contact reads its projects, their tasks and its client: no channel
    # message, nor the other client's project.
    assert await _found(http, org, contact, "migration OR migrer OR équipements") == {
        ("project", "Migration cloud"),
        ("task", "Migrer la base"),
        ("client", "Équipements Rhône"),
    }
    consultant = await member(http, org, "CONSULTANT")
    found = await _found(http, org, consultant, "migration")
    assert ("message", "L'équipe prépare la migration <script>x</script>") in found
    outsider = await make_org(http)
    resp = await http.get(
        f"/api/v1/orgs/{org.id}/search", params={"q": "migration"}, headers=outsider.owner.headers
    )
    assert resp.status == 404


async def test_results_page_through_and_bad_parameters_are_422(
    server: TestServer, http: Client
) -> None:
    org, _, _ = await _world(server, http)
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": "1"} | ({"cursor": cursor} if cursor else {})
        page = await _search(http, org, org.owner, "migration", **params)
        seen += [hit["id"] for hit in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 3
    url = f"/api/v1/orgs/{org.id}/search"
    for params in [
        {"q": ""},
        {"q": "x", "types": "message,invoice"},
        {"q": "x", "types": ","},
        {"q": "x", "limit": "0"},
        {"q": "x", "cursor": "nope"},
        {},
    ]:
        resp = await http.get(url, params=params, headers=org.owner.headers)
        assert resp.status == 422, params
