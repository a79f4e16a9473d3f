// The package against a real `aurentia serve` (SQLite, or PostgreSQL + Redis when
// DATABASE_URL / REDIS_URL are set): messages exchanged, a server SIGKILLed and restarted
// mid-send, a client catching up after being offline.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TestServer } from "./server.mjs";
import { connect, contents, range, resume, seqs, until, world } from "./helpers.mjs";

/** An outbox storage in a JSON file: what survives an application restart. */
function fileStorage(path) {
  return {
    getItem: (key) => (existsSync(path) ? (JSON.parse(readFileSync(path, "utf8"))[key] ?? null) : null),
    setItem: (key, value) => {
      const all = existsSync(path) ? JSON.parse(readFileSync(path, "utf8")) : {};
      all[key] = value;
      writeFileSync(path, JSON.stringify(all));
    },
  };
}

describe("against a real server", () => {
  const server = new TestServer();
  const open = [];
  let w;

  before(async () => {
    await server.start();
  });
  after(async () => {
    for (const client of open) client.close();
    await server.stop();
  });

  const track = (client) => {
    open.push(client);
    return client;
  };

  test("two clients exchange messages, in order, with the server's unread counts", async () => {
    w = await world(server.url);
    const alice = track(await connect(server.url, w.owner));
    const bob = track(await connect(server.url, w.member));
    const [a, b] = [await alice.join(w.general), await bob.join(w.general)];
    alice.send(w.general, "Bonjour Bob");
    await until("Bob hears Alice", () => b.messages.length === 1);
    assert.equal(b.unreadCount, 1);
    bob.send(w.general, "Bonjour Alice");
    await until("both have both", () => a.messages.length === 2 && b.messages.length === 2);
    assert.deepEqual(contents(a), ["Bonjour Bob", "Bonjour Alice"]);
    assert.deepEqual(contents(b), contents(a));
    assert.deepEqual(seqs(a), [1, 2]);
    assert.equal(b.unreadCount, 0, "posting reads what came before");
    assert.equal(a.unreadCount, 1);
    await alice.markRead(w.general);
    assert.equal(a.unreadCount, 0);
    const listed = await alice.channels(w.org.id);
    const general = listed.items.find((c) => c.channel.id === w.general.id);
    assert.equal(general.unread_count, 0, "the server agrees");
    assert.deepEqual([a.pending.length, b.pending.length], [0, 0]);

    const edited = await alice.edit(a.messages[0].id, "Bonjour Bob !");
    await until("Bob sees the edit", () => b.messages[0].content === "Bonjour Bob !");
    assert.equal(edited.edited_at !== null, true);
    await bob.delete(b.messages[1].id);
    await until("Alice sees the tombstone", () => a.messages[1].deleted);
    assert.deepEqual(seqs(a), [1, 2], "a tombstone keeps its seq");
  });

  test("typing and presence helpers follow the other user", async () => {
    w = await world(server.url); // users of their own: presence is per user, all sockets
    const alice = track(await connect(server.url, w.owner));
    const bob = track(await connect(server.url, w.member));
    await alice.join(w.general);
    await bob.join(w.general);
    await alice.presence.load(w.org.id);
    assert.equal(alice.presence.statusOf(w.org.id, bob.session.userId), "online");
    bob.typing.keystroke(w.general);
    await until("Alice sees Bob typing", () => alice.typing.in(w.general).includes(bob.session.userId));
    bob.typing.stop(w.general);
    await until("Bob stopped", () => alice.typing.in(w.general).length === 0);
    await bob.presence.set("away");
    await until("Alice sees Bob away", () => alice.presence.statusOf(w.org.id, bob.session.userId) === "away");
  });

  test("SIGKILL and restart while one client sends 200: both end with 1..200 once, in order", async () => {
    const fresh = await world(server.url);
    const dir = mkdtempSync(join(tmpdir(), "aurentia-outbox-"));
    const storage = fileStorage(join(dir, "outbox.json"));
    const alice = track(await connect(server.url, fresh.owner, { storage }));
    const bob = track(await connect(server.url, fresh.member));
    const [a, b] = [await alice.join(fresh.general), await bob.join(fresh.general)];
    for (const i of range(100)) alice.send(fresh.general, String(i));
    await until("some are stored", () => a.messages.length >= 30);
    await server.kill();
    // Typed while the server is down: queued, shown as pending, not lost.
    for (const i of range(100, 101)) alice.send(fresh.general, String(i));
    assert.ok(a.pending.length > 0);
    await server.start();
    await until("Alice's outbox drains", () => alice.outbox.items.length === 0, 60_000);
    await until("both have 200", () => a.messages.length === 200 && b.messages.length === 200, 60_000);
    const expected = range(200).map(String);
    assert.deepEqual(contents(a), expected);
    assert.deepEqual(contents(b), expected);
    assert.deepEqual(seqs(b), range(200));
    assert.deepEqual([a.pending.length, b.pending.length], [0, 0]);
    assert.equal(b.contiguousSeq, 200);
    // The server holds each once too.
    const history = await bob.session.call("sync", { cursors: [{ channel: fresh.general, after_seq: 0 }], limit: 500 });
    assert.deepEqual(history.channels[0].messages.map((m) => m.content), expected);
  });

  test("messages typed offline survive an application restart and are sent once", async () => {
    const fresh = await world(server.url);
    const dir = mkdtempSync(join(tmpdir(), "aurentia-outbox-"));
    const storage = fileStorage(join(dir, "outbox.json"));
    const first = await connect(server.url, fresh.owner, { storage });
    await first.join(fresh.general);
    await server.kill();
    for (const i of range(5)) first.send(fresh.general, `offline ${i}`);
    first.close(); // the application quits with its outbox on disk
    await server.start();
    const again = track(await connect(server.url, fresh.owner, { storage }));
    const store = again.channel(fresh.general);
    assert.equal(store.pending.length, 5, "shown as pending at once");
    await again.join(fresh.general);
    await until("sent", () => again.outbox.items.length === 0 && store.messages.length === 5);
    assert.deepEqual(contents(store), range(5).map((i) => `offline ${i}`));
    assert.equal(store.pending.length, 0);
  });

  test("a client offline during 100 messages catches up to the same history", async () => {
    const fresh = await world(server.url);
    const alice = track(await connect(server.url, fresh.owner));
    const bob = track(await connect(server.url, fresh.member));
    const [a, b] = [await alice.join(fresh.general), await bob.join(fresh.general)];
    alice.send(fresh.general, "before");
    await until("Bob has the first", () => b.messages.length === 1);
    bob.session.socket.disconnect(); // offline
    for (const i of range(100)) alice.send(fresh.general, `m${i}`);
    await until("Alice sent them", () => alice.outbox.items.length === 0 && a.messages.length === 101);
    const edited = await alice.edit(a.messages[3].id, "changed while Bob was away");
    assert.equal(b.messages.length, 1);
    bob.session.socket.connect(); // back online: rejoin and sync
    await until("Bob caught up", () => b.messages.length === 101 && b.messages[3].content === edited.content);
    assert.deepEqual(b.messages, a.messages);
    // A client that was never connected loads the same history.
    const late = track(await resume(server.url, fresh.member.tokens));
    const l = await late.join(fresh.general);
    assert.deepEqual(contents(l), contents(a).slice(-100), "the last 100 by default");
  });
});
