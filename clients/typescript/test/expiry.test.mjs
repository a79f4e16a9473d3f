// Access tokens of 30 s (the server's shortest): a session lives past several expiries.
// One client refreshes ahead (`auth:refresh` on the live socket) and is never cut; one
// never refreshes ahead, is cut with `auth:expired`, and comes back with a fresh token.
// Both hear every message sent meanwhile, once, in order.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { TestServer } from "./server.mjs";
import { connect, contents, range, until, world } from "./helpers.mjs";

const TTL_SECONDS = 30;
const server = new TestServer({ ACCESS_TOKEN_TTL_SECONDS: String(TTL_SECONDS) });
before(() => server.start());
after(() => server.stop());

test("a token expiring mid-session is refreshed without losing an event", async () => {
  const w = await world(server.url);
  const alice = await connect(server.url, w.owner);
  const bob = await connect(server.url, w.member);
  // Refreshes only after expiry: the server's `auth:expired` path.
  const late = await connect(server.url, w.member, { refreshMarginMs: -3_600_000 });
  try {
    const log = { refreshed: 0, aliceCut: 0, expired: 0 };
    alice.session.on("refreshed", () => log.refreshed++);
    alice.session.on("disconnected", () => log.aliceCut++);
    late.session.on("expired", () => log.expired++);
    const [a, b, l] = [await alice.join(w.general), await bob.join(w.general), await late.join(w.general)];
    const count = TTL_SECONDS + 8;
    for (const i of range(count)) {
      bob.send(w.general, `tick ${i}`);
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const expected = range(count).map((i) => `tick ${i}`);
    await until("everyone has every tick", () => [a, b, l].every((s) => s.messages.length === count), 30_000);
    assert.deepEqual(contents(a), expected);
    assert.deepEqual(contents(l), expected);
    assert.ok(log.refreshed >= 1, "Alice refreshed ahead of expiry");
    assert.equal(log.aliceCut, 0, "Alice's socket was never cut");
    assert.ok(log.expired >= 1, "the late client was told auth:expired");
    assert.ok(late.session.connected, "and came back");
    // The refreshed token works for REST too.
    const me = await alice.rest.call("get_me");
    assert.equal(me.id, alice.session.userId);
  } finally {
    for (const c of [alice, bob, late]) c.close();
  }
});
