"""The client bots and integrations want: a session, a store per channel kept whole and
in order (rejoined and synced after every reconnection, gaps filled), an outbox."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from .errors import AckError, NotDelivered
from .outbox import Outbox
from .session import Session
from .store import ChannelStore, channel_key, channel_ref

SYNC_LIMIT = 500


class Client:
    """`client = await Client.login(url, email, password)`; `store = await client.join(ref)`;
    `client.send(ref, "text")`."""

    def __init__(self, session: Session, *, outbox_path: Path | None = None, history: int = 100):
        self.session = session
        self.history = history
        self.stores: dict[str, ChannelStore] = {}
        self._refs: dict[str, dict[str, Any]] = {}
        self._joined: set[str] = set()
        self._syncing: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self.outbox = Outbox(session, outbox_path, self._stored, self._failed)
        for item in self.outbox.items:
            self._show_pending(item)
        self._wire()

    @classmethod
    async def login(cls, url: str, email: str, password: str, **options: Any) -> Client:
        session_options = {
            k: options.pop(k) for k in ("ack_timeout", "refresh_margin") if k in options
        }
        client = cls(await Session.login(url, email, password, **session_options), **options)
        await client.session.connect()
        return client

    async def channels(self, organization_id: str) -> list[dict[str, Any]]:
        """The organization's channels the user can see, with unread counts (REST)."""
        page = await self.session.rest.request("GET", f"/orgs/{organization_id}/channels")
        return list(page["items"])

    def channel(self, channel: dict[str, Any]) -> ChannelStore:
        key = channel_key(channel)
        store = self.stores.get(key)
        if store is None:
            store = ChannelStore(channel, lambda: self.session.user_id)
            store.on_gap = lambda s: self._spawn(self._quiet(lambda: self.sync(s)))
            self.stores[key] = store
        return store

    async def join(self, channel: dict[str, Any]) -> ChannelStore:
        """Hear the channel live and load recent history; kept across reconnections."""
        channel = channel_ref(channel)
        key = channel_key(channel)
        self._refs[key] = channel
        self._joined.add(key)
        await self._join(key)
        store = self.channel(channel)
        await self.sync(store)
        return store

    def send(
        self, channel: dict[str, Any], content: str, parent_id: str | None = None
    ) -> dict[str, Any]:
        """Queue a message (shown as pending at once) and send it when connected."""
        channel = channel_ref(channel)
        self._refs.setdefault(channel_key(channel), channel)
        item = self.outbox.add(channel, content, parent_id)
        self._show_pending(item)
        self._spawn(self._quiet(self.outbox.flush))
        return item

    async def mark_read(self, channel: dict[str, Any], seq: int | None = None) -> None:
        channel = channel_ref(channel)
        store = self.channel(channel)
        up_to = store.last_seq if seq is None else seq
        state = await self.session.call("channel:read", {"channel": channel, "seq": up_to})
        store.set_read(
            state["read_seq"], state["unread_count"], max(up_to, store.contiguous_seq or 0)
        )

    async def sync(self, store: ChannelStore) -> None:
        """Fetch what the store misses after its `contiguous_seq`, and edits since. One
        sync per channel at a time; a gap seen meanwhile runs it once more."""
        running = self._syncing.get(store.key)
        if running is not None and not running.done():
            self._again.add(store.key)
            await asyncio.shield(running)
            return
        while True:
            task = asyncio.ensure_future(self._sync(store))
            self._syncing[store.key] = task
            await asyncio.shield(task)
            if store.key not in self._again:
                return
            self._again.discard(store.key)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await self.session.close()

    async def _sync(self, store: ChannelStore) -> None:
        channel = self._refs.get(store.key, store.channel)
        while True:
            after = store.contiguous_seq or 0
            result = await self.session.call(
                "sync", {"cursors": [{"channel": channel, "after_seq": after}], "limit": SYNC_LIMIT}
            )
            if not result["channels"]:
                return
            synced = result["channels"][0]
            store.apply([*synced["messages"], *synced.get("changed", [])])
            if not synced["has_more"] or (store.contiguous_seq or 0) <= after:
                return

    async def _join(self, key: str) -> None:
        channel = self._refs[key]
        state = await self.session.call("channel:join", {"channel": channel})
        store = self.channel(channel)
        base = store.contiguous_seq
        store.reset(state, max(0, state["last_seq"] - self.history) if base is None else base)

    def _stored(self, item: dict[str, Any], message: dict[str, Any]) -> None:
        self.channel(item["channel"]).apply([message])

    def _failed(self, item: dict[str, Any], error: dict[str, Any]) -> None:
        pending = self.channel(item["channel"]).pending.get(item["client_msg_id"])
        if pending is not None:
            pending["failed"] = error

    def _show_pending(self, item: dict[str, Any]) -> None:
        self._refs.setdefault(channel_key(item["channel"]), item["channel"])
        self.channel(item["channel"]).add_pending(dict(item))

    def _wire(self) -> None:
        s = self.session
        s.on("message:new", lambda m: self.channel(m["channel"]).apply([m]))
        s.on("message:updated", lambda m: self.channel(m["channel"]).apply([m]))
        s.on("message:deleted", lambda d: self.channel(d["channel"]).apply_deleted(d))
        s.on("reaction:updated", self._reactions)
        s.on(
            "channel:read",
            lambda r: self.channel(r["channel"]).set_read(r["read_seq"], r["unread_count"]),
        )
        s.on("ready", lambda info: self._spawn(self._after_connect(info["reconnect"])))

    def _reactions(self, update: dict[str, Any]) -> None:
        for store in self.stores.values():
            if store.apply_reactions(update):
                return

    async def _after_connect(self, reconnect: bool) -> None:
        """Rooms do not survive a reconnection: join again, fetch what was missed, then
        send what waits in the outbox."""
        if reconnect:
            await asyncio.gather(*(self._rejoin(key) for key in list(self._joined)))
        await self._quiet(self.outbox.flush)

    async def _rejoin(self, key: str) -> None:
        for _ in range(20):
            try:
                await self._join(key)
                await self.sync(self.stores[key])
                return
            except NotDelivered:
                return  # disconnected again: the next connection rejoins
            except AckError as exc:
                if exc.code not in ("unavailable", "internal", "rate_limited"):
                    return
                await asyncio.sleep(0.3)

    async def _quiet(self, work: Callable[[], Awaitable[None]]) -> None:
        """Run background work whose failure the next connection or gap retries."""
        with contextlib.suppress(NotDelivered, AckError):
            await work()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
