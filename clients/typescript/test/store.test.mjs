// The channel store alone: order, each message once, gaps, edits and tombstones, unread.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ChannelStore } from "../dist/index.js";

const CH = { type: "organization", id: "c0000000-0000-4000-8000-000000000000" };
const ME = "a0000000-0000-4000-8000-000000000001";
const OTHER = "b0000000-0000-4000-8000-000000000002";

function msg(seq, extra = {}) {
  return {
    id: `m-${seq}`,
    seq,
    channel: CH,
    organization_id: "o",
    sender_id: OTHER,
    content: `text ${seq}`,
    parent_id: null,
    client_msg_id: `cm-${seq}`,
    reactions: [],
    created_at: "2026-01-01T00:00:00Z",
    edited_at: null,
    deleted: false,
    ...extra,
  };
}

function store() {
  const s = new ChannelStore(CH, () => ME);
  const gaps = [];
  s.on("gap", ({ afterSeq }) => gaps.push(afterSeq));
  s.reset({ read_seq: 0, unread_count: 0, last_seq: 0 }, 0);
  return { s, gaps };
}

test("messages arriving out of order are kept in seq order, each once", () => {
  const { s } = store();
  s.apply([msg(2), msg(1), msg(3), msg(2)]);
  assert.deepEqual(s.messages.map((m) => m.seq), [1, 2, 3]);
  assert.equal(s.contiguousSeq, 3);
});

test("a seq beyond the next one is a gap to sync from the last whole seq", () => {
  const { s, gaps } = store();
  s.apply([msg(1), msg(4)]);
  assert.equal(s.contiguousSeq, 1);
  assert.deepEqual(gaps, [1]);
  s.apply([msg(2), msg(3)]);
  assert.equal(s.contiguousSeq, 4);
  assert.deepEqual(gaps, [1]);
});

test("edits replace and tombstones blank a message, older copies never win", () => {
  const { s } = store();
  s.apply([msg(1)]);
  s.apply([msg(1, { content: "edited", edited_at: "2026-01-01T00:01:00Z" })]);
  s.apply([msg(1)]); // a stale copy (from a slow sync) changes nothing
  assert.equal(s.messages[0].content, "edited");
  s.applyDeleted({ message_id: "m-1", channel: CH });
  assert.deepEqual([s.messages[0].deleted, s.messages[0].content], [true, ""]);
  s.apply([msg(1, { content: "edited", edited_at: "2026-01-01T00:01:00Z" })]);
  assert.equal(s.messages[0].deleted, true);
});

test("a pending message is shown until the stored one with its client_msg_id arrives", () => {
  const { s } = store();
  s.addPending({ client_msg_id: "mine-1", content: "hi", parent_id: null, created_at: "" });
  assert.equal(s.pending.length, 1);
  s.apply([msg(1, { sender_id: ME, client_msg_id: "mine-1", content: "hi" })]);
  assert.equal(s.pending.length, 0);
  s.addPending({ client_msg_id: "mine-1", content: "hi", parent_id: null, created_at: "" });
  assert.equal(s.pending.length, 0, "an already stored message is not shown twice");
});

test("unread counts start from the server's and follow others' messages and own posts", () => {
  const s = new ChannelStore(CH, () => ME);
  s.reset({ read_seq: 3, unread_count: 2, last_seq: 5 }, 5);
  assert.equal(s.unreadCount, 2);
  s.apply([msg(6), msg(7)]);
  assert.equal(s.unreadCount, 4);
  s.apply([msg(8, { sender_id: ME })]);
  assert.equal(s.unreadCount, 0, "posting reads everything before");
  s.setRead(8, 0);
  s.apply([msg(9)]);
  assert.equal(s.unreadCount, 1);
});
