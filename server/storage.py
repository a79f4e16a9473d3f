"""Where uploaded files' bytes live: a small interface and its directory backend.

Keys are made by the server (`<org id>/<random>`), never from a client's file name, so a
key never escapes the storage root. File I/O runs in worker threads: the event loop
never waits on the disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO, Protocol

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

    async def path_for_reading(self, key: str) -> Path:
        """A local file holding the bytes (for Pillow)."""
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
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
            raise
        return size

    async def read(self, key: str) -> AsyncIterator[bytes]:
        handle = await asyncio.to_thread(self._path(key).open, "rb")
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK):
                yield chunk
        finally:
            handle.close()

    async def path_for_reading(self, key: str) -> Path:
        return self._path(key)

    async def delete(self, key: str) -> None:
        def unlink() -> None:
            with contextlib.suppress(FileNotFoundError):
                self._path(key).unlink()

        await asyncio.to_thread(unlink)
