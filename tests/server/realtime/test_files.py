"""Files: streamed uploads, attachments on messages, safe downloads, thumbnails, and
files gone with their message, their organization, or after a day unattached."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer
from PIL import Image

from server.keys import SERVICES
from server.services.uploads import purge_unattached
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


def _stored(storage: Path) -> list[Path]:
    return sorted(p for p in storage.rglob("*") if p.is_file())


def _storage(http: Client) -> Path:
    return Path(http.app[SERVICES].settings.storage_directory)


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
    assert _stored(_storage(http)) == []
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
    storage = _storage(http)
    ref = org.ref()
    alice = await joined(server, org.owner, ref)
    try:
        kept = await expect(await _upload(http, org, org.owner, _png(10, 10)), 201)
        message = await send(alice, ref, "photo", attachment_ids=[kept["id"]])
        assert len(_stored(storage)) == 2  # the picture and its thumbnail
        await alice.call("message:delete", {"message_id": message["id"]})
        url = f"/api/v1/orgs/{org.id}/uploads/{kept['id']}"
        assert (await http.get(url, headers=org.owner.headers)).status == 404
        history = await alice.call("message:history", {"channel": ref})
        assert history["data"]["messages"][-1]["attachments"] == []
    finally:
        await alice.close()
    assert _stored(storage) == []

    fresh = await expect(await _upload(http, org, org.owner, b"brouillon"), 201)
    services = http.app[SERVICES]
    assert await purge_unattached(services, datetime.now(UTC)) == 0
    assert await purge_unattached(services, datetime.now(UTC) + timedelta(days=2)) == 1
    url = f"/api/v1/orgs/{org.id}/uploads/{fresh['id']}"
    assert (await http.get(url, headers=org.owner.headers)).status == 404
    assert _stored(storage) == []

    await expect(await _upload(http, org, org.owner, b"archive"), 201)
    assert len(_stored(storage)) == 1
    resp = await http.delete(f"/api/v1/orgs/{org.id}", headers=org.owner.headers)
    assert resp.status == 204
    assert _stored(storage) == []
