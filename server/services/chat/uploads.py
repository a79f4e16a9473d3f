"""Files shared in messages: uploads streamed to storage, attached by `message:send`,
read by whoever reads the message (or the uploader before), gone with their message or
organization, and purged when never attached.

The type a file is served with is sniffed from its first bytes, never taken from the
client; pictures get their size and a thumbnail (Pillow, in a worker thread, with a
pixel cap against decompression bombs).
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import unicodedata
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession

from protocol.errors import AppError, ErrorCode, not_found
from protocol.files import Attachment
from store import messages as message_store
from store import organizations
from store import uploads as store
from store.messages import MessageRow, conversation_of
from store.models import Upload

from ...actor import Actor
from ...policy import enter_organization, require_member
from ...storage import TooLarge, new_key
from ..core import Services, Tx, found, refuse_unknown
from . import channels
from .message_views import attachment_of, recipient

log = logging.getLogger("aurentia.uploads")

# Pictures Pillow may open: these, and within this many pixels.
IMAGE_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP"}
MAX_IMAGE_PIXELS = 50_000_000
THUMBNAIL_SIZE = (320, 320)
UNATTACHED_TTL = timedelta(days=1)
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
)


def sniff(head: bytes) -> str:
    """The type of a file from its first bytes: known binary formats, else UTF-8 text,
    else opaque bytes. HTML or SVG is never recognised as such: it is text, or bytes."""
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a character cut at the end of the head
            return "application/octet-stream"
    return "text/plain; charset=utf-8" if b"\x00" not in head else "application/octet-stream"


_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


def safe_name(name: str | None) -> str:
    """A display name: the last path part, no control or path characters, at most 200."""
    base = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    cleaned = _UNSAFE.sub("_", base).strip(" .")
    return cleaned[:200] or "fichier"


@dataclass
class _Head:
    """The first bytes of a stream, kept while it passes through."""

    data: bytes = b""

    async def tee(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        async for chunk in chunks:
            if len(self.data) < 512:
                self.data += chunk[: 512 - len(self.data)]
            yield chunk


def _picture(path: Path, fmt: str) -> tuple[int, int, bytes] | None:
    """Size and a PNG thumbnail of the picture, None when it is not one Pillow reads
    within the pixel cap."""
    try:
        with Image.open(path, formats=[fmt]) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                return None
            image.thumbnail(THUMBNAIL_SIZE)
            out = io.BytesIO()
            image.convert("RGBA").save(out, "PNG")
            return width, height, out.getvalue()
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        return None


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def require_uploader(svc: Services, actor: Actor, org_id: uuid.UUID) -> None:
    """Any member uploads; checked before the body is read (a stranger's bytes are never
    stored)."""
    async with svc.sessions() as session:
        await require_member(session, org_id, actor.user_id)


async def upload(
    svc: Services, actor: Actor, org_id: uuid.UUID, name: str | None, chunks: AsyncIterator[bytes]
) -> Attachment:
    """Stream a file to storage, then record it; answers `payload_too_large` past
    MAX_UPLOAD_BYTES (nothing kept). The caller checked `require_uploader` first."""
    key, head = new_key(org_id), _Head()
    try:
        size = await svc.files.write(key, head.tee(chunks), svc.settings.max_upload_bytes)
    except TooLarge:
        raise AppError(
            ErrorCode.PAYLOAD_TOO_LARGE, f"files are at most {svc.settings.max_upload_bytes} bytes"
        ) from None
    keys = [key]
    try:
        content_type = sniff(head.data)
        width = height = thumb_key = None
        if content_type in IMAGE_TYPES:
            async with svc.files.local_copy(key) as path:
                picture = await asyncio.to_thread(_picture, path, IMAGE_TYPES[content_type])
            if picture is not None:
                width, height, thumbnail = picture
                thumb_key = f"{key}t"
                keys.append(thumb_key)
                await svc.files.write(thumb_key, _one(thumbnail), len(thumbnail))
        async with svc.tx() as tx:
            await require_member(tx.session, org_id, actor.user_id)
            row = await store.add(
                tx.session,
                organization_id=org_id,
                uploader_id=actor.user_id,
                name=safe_name(name),
                size=size,
                content_type=content_type,
                storage_key=key,
                width=width,
                height=height,
                thumbnail_key=thumb_key,
            )
            return attachment_of(row)
    except BaseException:
        for stored in keys:
            await svc.files.delete(stored)
        raise


async def claim(tx: Tx, actor: Actor, org_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> list[Upload]:
    """The uploads a new message will carry: the sender's own, of this organization, not
    yet attached; any other id is a validation error naming it."""
    if not ids:
        return []
    wanted = list(dict.fromkeys(ids))
    rows = await store.claimable(tx.session, org_id=org_id, uploader_id=actor.user_id, ids=wanted)
    have = {u.id for u in rows}
    refuse_unknown(["data", "attachment_ids"], ids, have, "not an unused upload of yours")
    order = {upload_id: n for n, upload_id in enumerate(wanted)}
    return sorted(rows, key=lambda u: order[u.id])


def delete_after_commit(svc: Services, tx: Tx, keys: list[str]) -> None:
    """Remove stored files once the rows that named them are gone for good."""
    if not keys:
        return

    async def run() -> None:
        for key in keys:
            await svc.files.delete(key)

    tx.after_commit(run)


async def _readable(
    session: AsyncSession, actor: Actor, org_id: uuid.UUID, upload_id: uuid.UUID
) -> Upload:
    """The upload, for the uploader while it is unattached, then for whoever reads its
    message; anyone else is answered as if it did not exist."""
    await require_member(session, org_id, actor.user_id)
    row = found(await store.table.get(session, org_id=org_id, row_id=upload_id), "file")
    if row.attached_at is None:
        if row.uploader_id != actor.user_id:
            raise not_found("file")
        return row
    message_id = row.channel_message_id or row.direct_message_id
    assert message_id is not None
    message: MessageRow | None = await message_store.get_message(
        session, org_id=org_id, message_id=message_id
    )
    if message is None:
        raise not_found("file")
    conv, sender, peer = conversation_of(message), message.sender_id, recipient(message)
    await channels.resolve_conversation(session, actor.user_id, conv, sender, peer, "file")
    return row


async def open_file(
    svc: Services, actor: Actor, org_id: uuid.UUID, upload_id: uuid.UUID, thumbnail: bool
) -> tuple[Upload, str]:
    """The upload and the storage key to stream (its thumbnail's when asked)."""
    async with svc.sessions() as session:
        row = await _readable(session, actor, org_id, upload_id)
    key = found(row.thumbnail_key if thumbnail else row.storage_key, "thumbnail")
    return row, key


async def purge_unattached(svc: Services, now: datetime) -> int:
    """Delete uploads never attached within a day, in every organization; how many."""
    purged = 0
    async with svc.sessions() as session:
        org_ids = await organizations.all_organization_ids(session)
    for org_id in org_ids:
        async with svc.tx() as tx:
            await enter_organization(tx.session, org_id)
            count, keys = await store.remove_unattached(
                tx.session, org_id=org_id, before=now - UNATTACHED_TTL
            )
            delete_after_commit(svc, tx, keys)
            purged += count
    return purged
