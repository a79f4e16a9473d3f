"""Where uploaded files' bytes live: a small interface and its two backends, a directory
and S3-compatible object storage.

Keys are made by the server (`<org id>/<random>`), never from a client's file name, so a
key never escapes the storage root. File I/O runs in worker threads: the event loop
never waits on the disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol
from urllib.parse import parse_qs, urlsplit

CHUNK = 64 * 1024


class TooLarge(Exception):
    """The stream went past the size allowed; nothing was kept."""


class Storage(Protocol):
    async def write(self, key: str, chunks: AsyncIterator[bytes], limit: int) -> int:
        """Store the stream under `key`; its size. Past `limit` bytes: TooLarge, and
        nothing is kept."""
        ...

    def read(self, key: str) -> AsyncIterator[bytes]:
        """The stored bytes, chunk by chunk (FileNotFoundError when missing)."""
        ...

    def local_copy(self, key: str) -> contextlib.AbstractAsyncContextManager[Path]:
        """A local file holding the bytes while the context lasts (for Pillow)."""
        ...

    async def delete(self, key: str) -> None:
        """Forget `key`; a missing key is not an error."""
        ...


def new_key(org_id: uuid.UUID) -> str:
    return f"{org_id}/{secrets.token_hex(16)}"


class DirectoryStorage:
    """Files under one directory, written to a temporary name and renamed when whole."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        org, _, name = key.partition("/")
        if not (org and name) or "/" in name or ".." in key or "\\" in key:
            raise ValueError("not a storage key")
        return self.root / org / name

    async def write(self, key: str, chunks: AsyncIterator[bytes], limit: int) -> int:
        path = self._path(key)
        partial = path.with_name(path.name + ".part")

        def open_partial() -> BinaryIO:
            path.parent.mkdir(parents=True, exist_ok=True)
            return partial.open("wb")

        handle = await asyncio.to_thread(open_partial)
        size = 0
        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise TooLarge()
                await asyncio.to_thread(handle.write, chunk)
            await asyncio.to_thread(handle.close)
            await asyncio.to_thread(os.replace, partial, path)
        except BaseException:
            handle.close()
            partial.unlink(missing_ok=True)
            raise
        return size

    async def read(self, key: str) -> AsyncIterator[bytes]:
        handle = await asyncio.to_thread(self._path(key).open, "rb")
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK):
                yield chunk
        finally:
            handle.close()

    @contextlib.asynccontextmanager
    async def local_copy(self, key: str) -> AsyncIterator[Path]:
        yield self._path(key)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)


# S3 multipart parts are at least 5 MiB (the last one aside): what a streamed upload
# holds in memory at most.
S3_PART = 5 * 1024 * 1024


@dataclass(frozen=True)
class S3Location:
    """`s3://bucket?endpoint=https://...&region=...`; credentials come from the usual AWS
    variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or the machine's role."""

    bucket: str
    endpoint: str | None
    region: str

    @classmethod
    def parse(cls, url: str) -> S3Location:
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc or parts.path not in ("", "/"):
            raise ValueError("STORAGE_URL must look like s3://bucket?endpoint=...&region=...")
        query = parse_qs(parts.query)
        endpoint = query.get("endpoint", [None])[0]
        return cls(parts.netloc, endpoint, query.get("region", ["us-east-1"])[0])


class S3Storage:
    """Objects in one bucket of an S3-compatible service (aiobotocore). Uploads stream as
    multipart uploads of S3_PART-sized parts; a failed or oversized one is aborted."""

    def __init__(self, location: S3Location) -> None:
        # Imported here: the embedded default never pays for botocore.
        from aiobotocore.session import get_session

        self.location = location
        self._session = get_session()

    def _client(self) -> Any:
        return self._session.create_client(
            "s3", endpoint_url=self.location.endpoint, region_name=self.location.region
        )

    async def write(self, key: str, chunks: AsyncIterator[bytes], limit: int) -> int:
        bucket = self.location.bucket
        async with self._client() as s3:
            buffer, size, upload_id = bytearray(), 0, None
            parts: list[dict[str, Any]] = []

            async def send_part() -> None:
                number = len(parts) + 1
                sent = await s3.upload_part(
                    Bucket=bucket,
                    Key=key,
                    UploadId=upload_id,
                    PartNumber=number,
                    Body=bytes(buffer),
                )
                parts.append({"ETag": sent["ETag"], "PartNumber": number})
                buffer.clear()

            try:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > limit:
                        raise TooLarge()
                    buffer += chunk
                    if len(buffer) >= S3_PART:
                        if upload_id is None:
                            made = await s3.create_multipart_upload(Bucket=bucket, Key=key)
                            upload_id = made["UploadId"]
                        await send_part()
                if upload_id is None:
                    await s3.put_object(Bucket=bucket, Key=key, Body=bytes(buffer))
                    return size
                if buffer:
                    await send_part()
                await s3.complete_multipart_upload(
                    Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
                )
                return size
            except BaseException:
                if upload_id is not None:
                    with contextlib.suppress(Exception):
                        await s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)
                raise

    async def read(self, key: str) -> AsyncIterator[bytes]:
        from botocore.exceptions import ClientError

        async with self._client() as s3:
            try:
                answer = await s3.get_object(Bucket=self.location.bucket, Key=key)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                    raise FileNotFoundError(key) from None
                raise
            async with answer["Body"] as body:
                while chunk := await body.read(CHUNK):
                    yield chunk

    @contextlib.asynccontextmanager
    async def local_copy(self, key: str) -> AsyncIterator[Path]:
        with tempfile.TemporaryDirectory(prefix="aurentia-") as folder:
            path = Path(folder) / "object"
            with path.open("wb") as handle:
                async for chunk in self.read(key):
                    await asyncio.to_thread(handle.write, chunk)
            yield path

    async def delete(self, key: str) -> None:
        async with self._client() as s3:
            await s3.delete_object(Bucket=self.location.bucket, Key=key)


def storage_for(url: str | None, directory: Path) -> Storage:
    """The backend STORAGE_URL names (`s3://...`), else the directory."""
    if url and url.startswith("s3://"):
        return S3Storage(S3Location.parse(url))
    return DirectoryStorage(directory)
