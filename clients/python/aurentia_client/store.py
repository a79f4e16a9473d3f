"""One channel's messages: ordered by `seq`, each once, edits and tombstones applied, the
outbox's messages shown as pending, unread counts from the server's numbers.

`contiguous_seq` is the `seq` up to which nothing is missing; a message beyond the next
one is a gap that `on_gap` reports (the client answers with `sync`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

Message = dict[str, Any]


def channel_key(channel: dict[str, Any]) -> str:
    return f"{channel['type']}:{channel['id']}"


def channel_ref(channel: dict[str, Any]) -> dict[str, Any]:
    """A channel as the server takes it, `{type, id, organization_id?}`, from any channel
    object (a listing's channel has more fields, which the server refuses)."""
    ref = {"type": channel["type"], "id": str(channel["id"])}
    if channel.get("organization_id"):
        ref["organization_id"] = str(channel["organization_id"])
    return ref


def _newer(candidate: Message, known: Message) -> bool:
    if candidate["deleted"] != known["deleted"]:
        return bool(candidate["deleted"])
    edited, known_edited = candidate.get("edited_at") or "", known.get("edited_at") or ""
    if edited != known_edited:
        return bool(edited > known_edited)
    return bool(candidate.get("reactions") != known.get("reactions"))


class ChannelStore:
    def __init__(self, channel: dict[str, Any], me: Callable[[], str | None]) -> None:
        self.channel = {"type": channel["type"], "id": str(channel["id"])}
        self.key = channel_key(self.channel)
        self.pending: dict[str, dict[str, Any]] = {}
        self.on_gap: Callable[[ChannelStore], None] | None = None
        self.contiguous_seq: int | None = None
        self.read_seq = 0
        self._me = me
        self._by_seq: dict[int, Message] = {}
        self._by_id: dict[str, int] = {}
        self._server_unread = 0
        self._counted_up_to = 0

    @property
    def messages(self) -> list[Message]:
        """Stored messages in `seq` order, tombstones included."""
        return [self._by_seq[seq] for seq in sorted(self._by_seq)]

    @property
    def last_seq(self) -> int:
        return max(self._by_seq, default=self.contiguous_seq or 0)

    @property
    def unread_count(self) -> int:
        """The server's count plus what others posted since it was given."""
        me = self._me()
        extra = sum(
            1
            for seq, m in self._by_seq.items()
            if seq > self._counted_up_to
            and seq > self.read_seq
            and m["sender_id"] != me
            and not m["deleted"]
        )
        return self._server_unread + extra

    def reset(self, state: dict[str, Any], base_seq: int) -> None:
        """Start from a `channel:join` ack, holding what is needed from `base_seq` on."""
        if self.contiguous_seq is None:
            self.contiguous_seq = base_seq
        self.set_read(state["read_seq"], state["unread_count"], state["last_seq"])
        if state["last_seq"] > self.contiguous_seq:
            self._gap()

    def set_read(self, read_seq: int, unread: int, as_of_seq: int | None = None) -> None:
        self.read_seq = max(self.read_seq, read_seq)
        self._server_unread = unread
        self._counted_up_to = max(self.last_seq if as_of_seq is None else as_of_seq, self.read_seq)

    def add_pending(self, item: dict[str, Any]) -> None:
        cid = item["client_msg_id"]
        me = self._me()
        if any(m["client_msg_id"] == cid and m["sender_id"] == me for m in self._by_seq.values()):
            return
        self.pending.setdefault(cid, item)

    def apply(self, messages: Iterable[Message]) -> None:
        """Take in messages (live, acked, synced): once each, the newest state wins."""
        changed = False
        for message in messages:
            changed = self._put(message) or changed
        if not changed:
            return
        seq = (self.contiguous_seq or 0) + 1
        while seq in self._by_seq:
            seq += 1
        self.contiguous_seq = seq - 1
        if self.last_seq > self.contiguous_seq:
            self._gap()

    def apply_deleted(self, deleted: dict[str, Any]) -> None:
        seq = self._by_id.get(str(deleted["message_id"]))
        if seq is not None:
            self._by_seq[seq] = {**self._by_seq[seq], "deleted": True, "content": ""}

    def apply_reactions(self, update: dict[str, Any]) -> bool:
        seq = self._by_id.get(str(update["message_id"]))
        if seq is None:
            return False
        self._by_seq[seq] = {**self._by_seq[seq], "reactions": update["reactions"]}
        return True

    def _put(self, message: Message) -> bool:
        seq = int(message["seq"])
        if message["sender_id"] == self._me():
            if message.get("client_msg_id"):
                self.pending.pop(message["client_msg_id"], None)
            # Posting moves the sender's read pointer on the server.
            self.read_seq = max(self.read_seq, seq)
            if seq > self._counted_up_to:
                self._server_unread, self._counted_up_to = 0, seq
        known = self._by_seq.get(seq)
        if known is not None and not _newer(message, known):
            return False
        self._by_seq[seq] = message
        self._by_id[str(message["id"])] = seq
        if self.contiguous_seq is None:
            self.contiguous_seq = seq - 1
        return True

    def _gap(self) -> None:
        if self.on_gap is not None:
            self.on_gap(self)
