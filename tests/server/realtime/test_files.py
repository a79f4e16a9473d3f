"""Files: streamed uploads, attachments on messages, safe downloads, thumbnails, and
files gone with their message, their organization, or after a day unattached."""

from __future__ import annotations

import asyncio
import io
import os
import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiobotocore.session import get_session
from aiohttp.test_utils import TestServer
from moto.server import ThreadedMotoServer
from PIL import Image

from server.keys import SERVICES
from server.services.chat.uploads import purge_unattached
from server.settings import Settings
from server.storage import S3_PART, S3Location
from tests.conftest import AppFactory
from tests.factories import Client, User, expect
from tests.server.realtime.chatkit import Org, joined, make_org, member, send


def _png(width: int = 800, height: int = 600) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


async def _upload(
    http: Client, org: Org, user: User, data: bytes, name: str = "photo.png", **kw: Any
) -> Any:
    form = aiohttp.FormData()
    form.add_field("file", data, filename=name, content_type=kw.get("content_type", "image/png"))
    return await http.post(f"/api/v1/orgs/{org.id}/uploads", data=form, headers=user.headers)


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A real S3 API server on loopback (moto's server mode) for this module."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    saved = {name: os.environ.get(name) for name in _AWS_ENV}
    os.environ.update(_AWS_ENV)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


_AWS_ENV = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}


@pytest.fixture(params=["directory", "s3"])
def settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    """Every test of this module on both storage backends."""
    if request.param == "directory":
        return settings
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = f"aurentia-{uuid.uuid4().hex[:12]}"

    async def make_bucket() -> None:
        async with get_session().create_client(
            "s3", endpoint_url=endpoint, region_name="us-east-1"
        ) as s3:
            await s3.create_bucket(Bucket=bucket)

    asyncio.run(make_bucket())
    return settings.model_copy(update={"storage_url": f"s3://{bucket}?endpoint={endpoint}"})


async def _stored(http: Client) -> list[str]:
    """Every stored key (or file) of the test's storage."""
    settings = http.app[SERVICES].settings
    if settings.storage_url and settings.storage_url.startswith("s3://"):
        location = S3Location.parse(settings.storage_url)
        async with get_session().create_client(
            "s3", endpoint_url=location.endpoint, region_name=location.region
        ) as s3:
            listed = await s3.list_objects_v2(Bucket=location.bucket)
            return sorted(item["Key"] for item in listed.get("Contents", []))
    root = Path(settings.storage_directory)

    def files() -> list[str]:
        return sorted(str(p) for p in root.rglob("*") if p.is_file())

    return await asyncio.to_thread(files)


async def test_a_picture_is_uploaded_attached_downloaded_and_thumbnailed(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    bob, contact = await member(http, org), await member(http, org, "CLIENT")
    picture = _png()
    made = await expect(await _upload(http, org, org.owner, picture, "Réunion été.png"), 201)
    assert made["size"] == len(picture) and made["content_type"] == "image/png"
    assert (made["width"], made["height"]) == (800, 600) and made["name"] == "Réunion été.png"
    url = f"/api/v1/orgs/{org.id}/uploads/{made['id']}"
    # Before it is attached, only the uploader reads it.
    assert (await http.get(url, headers=bob.headers)).status == 404
    assert (await http.get(url, headers=org.owner.headers)).status == 200

    ref = org.ref()
    alice, bob_peer = await joined(server, org.owner, ref), await joined(server, bob, ref)
    try:
        message = await send(alice, ref, "le tableau blanc", attachment_ids=[made["id"]])
        assert message["attachments"] == [made]
        (heard,) = await bob_peer.wait_for("message:new")
        assert heard["attachments"] == [made]
        history = await bob_peer.call("message:history", {"channel": ref})
        assert history["data"]["messages"][-1]["attachments"] == [made]
        # Attached once: never again, and nobody attaches someone else's upload.
        ack = await alice.call(
            "message:send",
            {
                "channel": ref,
                "content": "encore",
                "client_msg_id": "x",
                "attachment_ids": [made["id"]],
            },
        )
        assert ack["error"]["code"] == "validation_error"
        theirs = await expect(await _upload(http, org, bob, b"notes"), 201)
        ack = await alice.call(
            "message:send",
            {
                "channel": ref,
                "content": "vol",
                "client_msg_id": "y",
                "attachment_ids": [theirs["id"]],
            },
        )
        assert ack["error"]["code"] == "validation_error"
    finally:
        await alice.close()
        await bob_peer.close()

    resp = await http.get(url, headers=bob.headers)
    assert resp.status == 200 and await resp.read() == picture
    assert resp.headers["Content-Type"] == "image/png"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Content-Disposition"].startswith("inline;")
    assert (
        "filename*=UTF-8''R%C3%A9union%20%C3%A9t%C3%A9.png" in resp.headers["Content-Disposition"]
    )
    thumb = await http.get(f"{url}/thumbnail", headers=bob.headers)
    assert thumb.status == 200 and thumb.headers["Content-Type"] == "image/png"
    with Image.open(io.BytesIO(await thumb.read())) as small:
        assert small.size == (320, 240)
    # The client's contact does not read `general`, so not its files either.
    assert (await http.get(url, headers=contact.headers)).status == 404
    other = await make_org(http)
    assert (await http.get(url, headers=other.owner.headers)).status == 404


async def test_html_is_never_served_as_html_and_the_name_is_made_safe(http: Client) -> None:
    org = await make_org(http)
    page = b"<!doctype html><script>alert(document.cookie)</script>"
    made = await expect(
        await _upload(http, org, org.owner, page, '../../etc/x".html', content_type="text/html"),
        201,
    )
    assert made["content_type"] == "text/plain; charset=utf-8" and made["name"] == "x_.html"
    assert made["width"] is None
    resp = await http.get(f"/api/v1/orgs/{org.id}/uploads/{made['id']}", headers=org.owner.headers)
    assert resp.headers["Content-Type"].startswith("text/plain")
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in resp.headers["Content-Security-Policy"]
    thumb = await http.get(
        f"/api/v1/orgs/{org.id}/uploads/{made['id']}/thumbnail", headers=org.owner.headers
    )
    assert thumb.status == 404


async def test_uploads_past_the_limit_or_malformed_are_refused_and_keep_nothing(
    make_app: AppFactory, aiohttp_client: Any
) -> None:
    http = await aiohttp_client(make_app(max_upload_bytes=1000))
    org = await make_org(http)
    resp = await _upload(http, org, org.owner, b"x" * 1001, "big.bin")
    assert resp.status == 413
    assert (await resp.json())["code"] == "payload_too_large"
    assert await _stored(http) == []
    resp = await http.post(
        f"/api/v1/orgs/{org.id}/uploads", json={"file": "x"}, headers=org.owner.headers
    )
    assert resp.status == 415
    form = aiohttp.FormData()
    form.add_field("other", b"x", filename="a.txt")
    resp = await http.post(f"/api/v1/orgs/{org.id}/uploads", data=form, headers=org.owner.headers)
    assert resp.status == 422
    small = await expect(await _upload(http, org, org.owner, b"x" * 1000, "ok.bin"), 201)
    assert small["size"] == 1000 and small["content_type"] == "text/plain; charset=utf-8"
    outsider = await make_org(http)
    assert (await _upload(http, org, outsider.owner, b"x")).status == 404


async def test_files_go_with_their_message_their_organization_or_after_a_day(
    server: TestServer, http: Client
) -> None:
    org = await make_org(http)
    ref = org.ref()
    alice = await joined(server, org.owner, ref)
    try:
        kept = await expect(await _upload(http, org, org.owner, _png(10, 10)), 201)
        message = await send(alice, ref, "photo", attachment_ids=[kept["id"]])
        assert len(await _stored(http)) == 2  # the picture and its thumbnail
        await alice.call("message:delete", {"message_id": message["id"]})
        url = f"/api/v1/orgs/{org.id}/uploads/{kept['id']}"
        assert (await http.get(url, headers=org.owner.headers)).status == 404
        history = await alice.call("message:history", {"channel": ref})
        assert history["data"]["messages"][-1]["attachments"] == []
    finally:
        await alice.close()
    assert await _stored(http) == []

    fresh = await expect(await _upload(http, org, org.owner, b"brouillon"), 201)
    services = http.app[SERVICES]
    assert await purge_unattached(services, datetime.now(UTC)) == 0
    assert await purge_unattached(services, datetime.now(UTC) + timedelta(days=2)) == 1
    url = f"/api/v1/orgs/{org.id}/uploads/{fresh['id']}"
    assert (await http.get(url, headers=org.owner.headers)).status == 404
    assert await _stored(http) == []

    await expect(await _upload(http, org, org.owner, b"archive"), 201)
    assert len(await _stored(http)) == 1
    resp = await http.delete(f"/api/v1/orgs/{org.id}", headers=org.owner.headers)
    assert resp.status == 204
    assert await _stored(http) == []


async def test_a_file_larger_than_one_s3_part_streams_in_and_out_whole(http: Client) -> None:
    org = await make_org(http)
    data = os.urandom(S3_PART + 123_457)
    made = await expect(await _upload(http, org, org.owner, data, "dump.bin"), 201)
    assert made["size"] == len(data) and made["content_type"] == "application/octet-stream"
    resp = await http.get(f"/api/v1/orgs/{org.id}/uploads/{made['id']}", headers=org.owner.headers)
    assert resp.status == 200 and int(resp.headers["Content-Length"]) == len(data)
    assert await resp.read() == data
    assert resp.headers["Content-Disposition"].startswith("attachment;")
