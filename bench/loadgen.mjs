// Load generator for bench/run.py, on the official socket.io-client. Reads one JSON
// config on stdin and prints JSON lines on stdout: {"event":"ready"} once every socket is
// connected and joined, {"event":"measure_start"} / {"event":"measure_end"} around the
// measured window (the runner samples the server's CPU and memory there), and a final
// {"event":"result", ...}.
//
// Config: {
//   mode: "saturate" | "paced" | "connect",
//   url, transports?: ["websocket"],
//   sockets: [{auth?, joins?: [{event, data}]}],      // receivers (saturate, paced)
//   senders: [{socket: index, event, data}],          // "$content" / "$cid" in data are filled
//   recv: "message:new",                              // the broadcast event counted
//   window?: 8,                                       // saturate: un-acked sends per sender
//   rate?: 50,                                        // paced: messages/s over all senders
//   warmup_ms, duration_ms,
//   urls?: [url, ...],                                // socket i connects to urls[i % n]
//   connect?: {count, concurrency, auths?, hold_ms}    // connect mode
//   storm?: {auths, devices, watchers, organization_id, users, concurrency,
//            pause_ms, settle_ms, exact_timeout_ms?}     // storm mode (below)
// }
// Storm: every auth opens `devices` sockets, each keeping a view of the organization's
// presence as a client does (`presence:list` after connecting, then `presence:updated`).
// Once every view shows every user online, all sockets but the first `watchers` drop at
// once, wait `pause_ms`, and reconnect; the result gives the seconds until all are
// connected again and until every view is exact, and the presence deliveries counted from
// the drop until `settle_ms` after exactness (in total and per watcher that stayed).
// Every payload's content is "<performance.now() at send> <n>": receivers in this process
// compute send-to-receive latency on one clock.
import { io } from "socket.io-client";

const cfg = JSON.parse(await new Promise((resolve) => {
  const chunks = [];
  process.stdin.on("data", (c) => chunks.push(c));
  process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
}));
const transports = cfg.transports ?? ["websocket"];
const say = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function open(auth, url = cfg.url) {
  return new Promise((resolve, reject) => {
    const socket = io(url, { transports, auth, forceNew: true, reconnection: false, timeout: 60000 });
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (err) => reject(new Error(`connect_error: ${err.message} ${JSON.stringify(err.data ?? null)}`)));
  });
}

async function pool(count, concurrency, make) {
  const out = new Array(count);
  let next = 0;
  async function worker() {
    while (next < count) {
      const i = next++;
      out[i] = await make(i);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return out;
}

function fill(value, content, cid) {
  if (value === "$content") return content;
  if (value === "$cid") return cid;
  if (Array.isArray(value)) return value.map((v) => fill(v, content, cid));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, content, cid)]));
  }
  return value;
}

function pct(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function connectMode() {
  // `auths`: the sockets take them in turn (a server caps the sockets of one user).
  const { count, concurrency, auths, hold_ms } = cfg.connect;
  const t0 = performance.now();
  const sockets = await pool(count, concurrency, (i) => open(auths ? auths[i % auths.length] : undefined));
  const seconds = (performance.now() - t0) / 1000;
  say({ event: "measure_start", connected: sockets.length });
  await sleep(hold_ms);
  say({ event: "measure_end" });
  for (const s of sockets) s.disconnect();
  say({ event: "result", connections: count, seconds, per_second: count / seconds });
}

async function stormMode() {
  const { auths, devices, watchers, organization_id: org, users, concurrency, pause_ms, settle_ms } = cfg.storm;
  const specs = auths.flatMap((auth) => Array.from({ length: devices }, () => auth));
  const urls = cfg.urls ?? [cfg.url];
  let counting = false;
  let deliveries = 0;
  let watcherDeliveries = 0;
  const watcherStatuses = {};
  function join(i) {
    return new Promise((resolve, reject) => {
      const socket = io(urls[i % urls.length], { transports, auth: specs[i], forceNew: true, reconnection: false, timeout: 60000 });
      socket.view = new Map();
      socket.on("presence:updated", (d) => {
        if (d.organization_id !== org) return;
        if (counting) {
          deliveries += 1;
          if (i < watchers) {
            watcherDeliveries += 1;
            watcherStatuses[d.status] = (watcherStatuses[d.status] ?? 0) + 1;
          }
        }
        socket.view.set(d.user_id, d.status);
      });
      socket.once("connect_error", (err) => reject(new Error(`connect_error: ${err.message} ${JSON.stringify(err.data ?? null)}`)));
      socket.once("connect", async () => {
        try {
          const ack = await socket.timeout(60000).emitWithAck("presence:list", { organization_id: org });
          if (!ack.ok) throw new Error(`presence:list refused: ${JSON.stringify(ack)}`);
          for (const u of ack.data.users) socket.view.set(u.user_id, u.status);
          resolve(socket);
        } catch (err) { reject(err); }
      });
    });
  }
  const exact = (sockets) => sockets.every((s) => users.every((u) => s.view.get(u) === "online"));
  async function untilExact(sockets, what) {
    // A view that is still wrong after `exact_timeout_ms` never heard the last change:
    // say which views and what the server lists now, rather than wait forever.
    const deadline = performance.now() + (cfg.storm.exact_timeout_ms ?? 120000);
    while (!exact(sockets)) {
      if (performance.now() > deadline) throw new Error(`${what}: ${await inexact(sockets)}`);
      await sleep(20);
    }
  }
  async function inexact(sockets) {
    const wrong = sockets.map((s, i) => [i, users.filter((u) => s.view.get(u) !== "online")]).filter(([, us]) => us.length);
    const people = new Set(wrong.flatMap(([, us]) => us));
    const ack = await sockets[0].timeout(60000).emitWithAck("presence:list", { organization_id: org });
    const listed = Object.fromEntries(ack.data.users.map((u) => [u.user_id, u.status]));
    const sample = wrong.slice(0, 5).map(([i, us]) => `socket ${i}: ${us.slice(0, 3).map((u) => `${u} ${sockets[i].view.get(u)} (listed now ${listed[u]})`).join(", ")}`);
    return `presence not exact after ${(cfg.storm.exact_timeout_ms ?? 120000) / 1000} s: ${wrong.length} of ${sockets.length} views wrong about ${people.size} people; ${sample.join("; ")}`;
  }
  let sockets = await pool(specs.length, concurrency, join);
  await untilExact(sockets, "before the storm");
  await sleep(settle_ms); // the first connections' last coalesced updates are not the storm's
  say({ event: "ready", sockets: sockets.length });
  counting = true;
  const kept = sockets.slice(0, watchers);
  for (const s of sockets.slice(watchers)) s.disconnect();
  await sleep(pause_ms);
  const t0 = performance.now();
  say({ event: "measure_start" });
  const back = await pool(specs.length - watchers, concurrency, (i) => join(i + watchers));
  const connectedS = (performance.now() - t0) / 1000;
  sockets = [...kept, ...back];
  await untilExact(sockets, "after the storm");
  const exactS = (performance.now() - t0) / 1000;
  await sleep(settle_ms);
  say({ event: "measure_end" });
  counting = false;
  for (const s of sockets) s.disconnect();
  say({
    event: "result",
    sockets: sockets.length,
    connected_s: connectedS,
    exact_s: exactS,
    deliveries,
    watcher_deliveries: watcherDeliveries,
    watcher_statuses: watcherStatuses,
    per_watcher: watchers ? watcherDeliveries / watchers : null,
  });
}

async function trafficMode() {
  const sockets = await pool(cfg.sockets.length, 50, async (i) => {
    const spec = cfg.sockets[i];
    const urls = cfg.urls ?? [cfg.url];
    const socket = await open(spec.auth, urls[i % urls.length]);
    for (const join of spec.joins ?? []) {
      const reply = await socket.timeout(30000).emitWithAck(join.event, join.data);
      if (reply && reply.ok === false) throw new Error(`join refused: ${JSON.stringify(reply)}`);
    }
    return socket;
  });
  let measuring = false;
  let deliveries = 0;
  let acks = 0;
  let errors = 0;
  const latencies = [];
  const ackLatencies = [];
  for (const socket of sockets) {
    socket.on(cfg.recv, (data) => {
      if (!measuring) return;
      deliveries += 1;
      const sent = parseFloat(data.content);
      if (cfg.mode === "paced" || latencies.length < 200000) latencies.push(performance.now() - sent);
    });
  }
  say({ event: "ready", sockets: sockets.length });
  let running = true;
  let n = 0;
  async function sendOne(sender) {
    n += 1;
    const sentAt = performance.now();
    const data = fill(sender.data, `${sentAt} ${n}`, `b${process.pid}-${n}`);
    try {
      const reply = await sockets[sender.socket].timeout(30000).emitWithAck(sender.event, data);
      if (reply && reply.ok === false) errors += 1;
      else if (measuring) {
        acks += 1;
        ackLatencies.push(performance.now() - sentAt);
      }
    } catch {
      errors += 1;
    }
  }
  const loops = [];
  if (cfg.mode === "saturate") {
    for (const sender of cfg.senders) {
      for (let w = 0; w < (cfg.window ?? 8); w++) {
        loops.push((async () => { while (running) await sendOne(sender); })());
      }
    }
  } else {
    const interval = (1000 * cfg.senders.length) / cfg.rate;
    cfg.senders.forEach((sender, k) => {
      loops.push((async () => {
        let due = performance.now() + (k * interval) / cfg.senders.length;
        const pending = [];
        while (running) {
          const wait = due - performance.now();
          if (wait > 0) await sleep(wait);
          pending.push(sendOne(sender));
          due += interval;
        }
        await Promise.all(pending);
      })());
    });
  }
  await sleep(cfg.warmup_ms);
  measuring = true;
  const t0 = performance.now();
  say({ event: "measure_start" });
  await sleep(cfg.duration_ms);
  measuring = false;
  const seconds = (performance.now() - t0) / 1000;
  say({ event: "measure_end" });
  running = false;
  await Promise.race([Promise.all(loops), sleep(5000)]);
  for (const s of sockets) s.disconnect();
  latencies.sort((a, b) => a - b);
  ackLatencies.sort((a, b) => a - b);
  say({
    event: "result",
    seconds,
    deliveries,
    deliveries_per_second: deliveries / seconds,
    acks,
    acks_per_second: acks / seconds,
    errors,
    latency_ms: { p50: pct(latencies, 50), p99: pct(latencies, 99), n: latencies.length },
    ack_ms: { p50: pct(ackLatencies, 50), p99: pct(ackLatencies, 99) },
  });
}

try {
  if (cfg.mode === "connect") await connectMode();
  else if (cfg.mode === "storm") await stormMode();
  else await trafficMode();
  process.exit(0);
} catch (err) {
  say({ event: "error", message: String(err?.stack ?? err) });
  process.exit(1);
}
