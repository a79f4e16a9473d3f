"""Schemathesis against a live `aurentia serve` process: every operation of the served
OpenAPI document, with a token of each role of one organization full of real rows.

It fails on any 5xx, any answer (status, content type, body, headers) that its own
operation does not document, any 2xx to a request the document forbids (negative data)
and any 4xx other than 401/403/404/409 to a request it allows (positive data). Examples
are bounded and derandomized, so a run is deterministic and takes about a minute.
"""

from __future__ import annotations

import gzip
import json
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi import checks

from server.app import create_app
from server.rest.openapi import OPENAPI_PATH, build_document
from server.settings import Settings
from tests.conftest import TEST_JWT_SECRET, empty_database
from tests.server.rest.fuzzworld import World, build_world
from tests.serverproc import ServerProcess
from tests.sharedworld import SharedWorld

# Built exactly as the server builds what it serves; `test_the_fuzzed_document_is_the_served_one`
# proves the two are the same.
DOCUMENT = build_document(
    create_app(Settings(database_url="sqlite+aiosqlite:///:memory:", jwt_secret=TEST_JWT_SECRET))
)
schema = schemathesis.openapi.from_dict(DOCUMENT)
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], allow_x00=True
)
# A string past its maxLength (100000) in 4-byte characters can make the body larger than
# MAX_REQUEST_BYTES: refusing it with 413 before parsing is a rejection too.
_rejection = schema.config.checks.negative_data_rejection
_rejection.expected_statuses = [*_rejection.expected_statuses, "413"]

# Refusals of a request that the schema could have described: a wrong type or format, a
# missing or unknown field. Other 422s to schema-valid data are rules no JSON schema holds
# (an end date before the start, a client of another organization, an amount below zero
# sent as text, a cursor this list never issued) and stay the server's to make.
_SCHEMA_LEVEL = ("Input should be a valid", "Field required", "Extra inputs are not permitted")


def schema_valid_requests_are_parsed(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    """Schemathesis' `positive_data_acceptance`, narrowed to what a schema can promise."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    errors = response.json().get("errors") or []
    blamed = [e for e in errors if str(e.get("msg", "")).startswith(_SCHEMA_LEVEL)]
    assert not blamed, f"a request the schema allows was refused: {blamed}"
    return True


CHECKS = [
    not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
    checks.negative_data_rejection,
    schema_valid_requests_are_parsed,
]
_PARAM = re.compile(r"^\{(.+)\}$")
# Body fields naming a row, and the collection of the world that holds such rows.
_FIELD_COLLECTIONS = {
    "projet_id": "projects",
    "project_id": "projects",
    "client_id": "clients",
    "milestone_id": "milestones",
    "task_id": "tasks",
    "competence_id": "competences",
}


# The operations share their rows (`world`): the database is emptied when the module ends.
pytestmark = pytest.mark.shares_database


@pytest.fixture(scope="module")
async def live(database_url: str, redis_url: str | None) -> AsyncIterator[ServerProcess]:
    proc = ServerProcess(database_url, redis_url)
    try:
        yield await proc.start()
    finally:
        proc.stop()
        await empty_database(database_url)


# Hypothesis derives each test's examples from its source: the tests keep naming this
# `Worlds`, so that the examples CI has run stay the ones it runs.
Worlds = SharedWorld[World]


@pytest.fixture(scope="module")
def worlds() -> Worlds:
    return SharedWorld()


@pytest.fixture
async def world(live: ServerProcess, worlds: Worlds) -> World:
    """An organization as freshly built for each operation: a new one after any operation
    that may have written (every method but GET: it may have deleted the organization,
    removed a member, revoked a token), the same one after a read. Building one takes
    some fifty requests, more than fuzzing most operations. A new one every few minutes
    too, long before its tokens expire."""

    async def build() -> World:
        async with aiohttp.ClientSession(base_url=live.url) as session:
            return await build_world(session, live.database_url)  # type: ignore[arg-type]

    world = await worlds.get(build)
    world.restart()
    return world


@pytest.fixture(scope="module")
def http() -> requests.Session:
    return requests.Session()


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return isinstance(value, str)


def _collection_of(path: str, name: str) -> str:
    """The last literal segment before `{name}`: `/orgs/{org}/tasks/{id}` -> `tasks`."""
    literal = ""
    for segment in path.strip("/").split("/"):
        match = _PARAM.match(segment)
        if match and match.group(1) == name:
            return literal
        if not match:
            literal = segment
    return literal


def _real_ids(world: World, case: schemathesis.Case) -> None:
    """Swap generated ids for real ones, where the generated id was a well-formed one;
    schemathesis re-labels the case (positive or negative) from what is finally sent."""
    for name, value in list(case.path_parameters.items()):
        pool = world.ids.get(_collection_of(case.path, name), [])
        if pool and _is_uuid(value):
            case.path_parameters[name] = world.pick([*pool, value])
    if isinstance(case.body, dict):
        for key, value in list(case.body.items()):
            if key.endswith("_id") and _is_uuid(value):
                pool = world.ids.get(_FIELD_COLLECTIONS.get(key, "members"), [])
                case.body[key] = world.pick([*pool, value])
            elif key.endswith("_ids") and isinstance(value, list) and all(map(_is_uuid, value)):
                case.body[key] = world.pick([[], world.every_id[:2], value])


@schema.parametrize()
@hypothesis.settings(
    max_examples=6,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
)
def test_every_operation_answers_as_documented_for_every_role(
    case: schemathesis.Case,
    world: World,
    worlds: Worlds,
    live: ServerProcess,
    http: requests.Session,
) -> None:
    worlds.dirty = worlds.dirty or case.method.upper() != "GET"
    role = world.next_role()
    headers = {"Authorization": f"Bearer {world.tokens[role]}"} if role else {}
    _real_ids(world, case)
    case.call_and_validate(base_url=live.url, session=http, headers=headers, checks=CHECKS)


async def test_the_fuzzed_document_is_the_served_one(live: ServerProcess) -> None:
    async with aiohttp.ClientSession() as session, session.get(live.url + OPENAPI_PATH) as resp:
        assert resp.status == 200
        assert await resp.json() == DOCUMENT


# Abuse no schema describes (issue 15): what an attacker sends around the JSON, each
# operation with a JSON body must refuse with one of its documented 4xx problems, never a
# 5xx. (Multipart uploads have their own abuse tests: tests/server/realtime/test_files.py.)
_BODY_OPERATIONS = sorted(
    (path, method)
    for path, item in DOCUMENT["paths"].items()
    for method, op in item.items()
    if "application/json" in op.get("requestBody", {}).get("content", {})
)
_EXTREME_DATES = ["9999-12-31", "0001-01-01", "1899-12-31", "2201-01-01", "275760-09-13"]
_EXTREME_INSTANTS = ["9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00-14:00"]
_BOMB = gzip.compress(b"[" + b"0," * 1_000_000 + b"0]")  # 2 MB of JSON in 2 KB


def _date_fields(op: dict[str, Any]) -> dict[str, str]:
    """Body fields of `format: date` or `date-time` (directly or through `anyOf`)."""
    json_body = op["requestBody"]["content"].get("application/json")
    if json_body is None:  # a multipart upload: no JSON fields to push to extremes
        return {}
    ref = json_body["schema"]["$ref"]
    schema = DOCUMENT["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    found: dict[str, str] = {}
    for name, prop in schema.get("properties", {}).items():
        for branch in [prop, *prop.get("anyOf", [])]:
            if branch.get("format") in {"date", "date-time"}:
                found[name] = branch["format"]
    return found


def _nested_text(depth: int) -> bytes:
    return b'{"x": ' + b"[" * depth + b"]" * depth + b"}"


abuses = st.one_of(
    st.integers(33, 3000).map(lambda d: ("deep", _nested_text(d), {})),
    # Not gzip (an empty body is no body at all: legitimate, e.g. logout everywhere).
    st.binary(min_size=1, max_size=64).map(lambda b: ("gzip", b, {"Content-Encoding": "gzip"})),
    st.sampled_from(["compress", "br;q=1", "gzip, deflate", "identity, gzip", "gzip;x"]).map(
        lambda c: ("coding", b"{}", {"Content-Encoding": c})
    ),
    st.sampled_from(["latin-1", "utf-16", "ebcdic", "utf-7"]).map(
        lambda c: ("charset", b"{}", {"Content-Type": f"application/json; charset={c}"})
    ),
    st.just(
        ("bomb", gzip.compress(b"[" + b"0," * 1_000_000 + b"0]"), {"Content-Encoding": "gzip"})
    ),
    st.sampled_from(_EXTREME_DATES + _EXTREME_INSTANTS).map(lambda d: ("date", d, {})),
)


def _hostile_path(world: World, path: str) -> str:
    def real(match: re.Match[str]) -> str:
        pool = world.ids.get(_collection_of(path, match.group(1)), [])
        return world.pick(pool) if pool else str(uuid.uuid4())

    return re.sub(r"\{([^}]+)\}", real, path)


def test_every_body_operation_refuses_hostile_bodies_with_a_documented_4xx(
    world: World, worlds: Worlds, live: ServerProcess, http: requests.Session
) -> None:
    worlds.dirty = True
    token = world.tokens["OWNER"]

    @hypothesis.settings(
        max_examples=150,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(operation=st.sampled_from(_BODY_OPERATIONS), abuse=abuses)
    def hostile(operation: tuple[str, str], abuse: tuple[str, Any, dict[str, str]]) -> None:
        path, method = operation
        op = DOCUMENT["paths"][path][method]
        kind, body, extra = abuse
        if kind == "date":
            fields = _date_fields(op)
            hypothesis.assume(fields)
            body = json.dumps(dict.fromkeys(fields, body)).encode()
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        resp = http.request(
            method.upper(),
            live.url + _hostile_path(world, path),
            data=body,
            headers={**headers, **extra},
            timeout=30,
        )
        where = f"{kind} {method.upper()} {path}: {resp.status_code} {resp.text[:300]}"
        assert 400 <= resp.status_code < 500, where
        assert str(resp.status_code) in op["responses"], where
        assert resp.headers["Content-Type"].startswith("application/problem+json"), where

    hostile()
