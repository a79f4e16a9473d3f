// Drives the official socket.io-client through a scenario read as JSON on stdin and prints
// one JSON result on stdout. Used by tests/jsclient.py.
//
// Scenario:
//   {
//     "url": "http://127.0.0.1:PORT",        // namespace = the URL's path ("/" by default)
//     "path": "/socket.io",                  // optional, socket.io's endpoint path
//     "transports": ["websocket"],           // optional, socket.io-client's default otherwise
//     "timeout_ms": 5000,                    // optional, default 5000: every wait and ack
//     "clients": [{"name": "a", "auth": {...}, "query": {...}, "reconnection": false}, ...],
//     "steps": [
//       {"client": "a", "connect": true},
//       {"client": "a", "wait_event": "session"},
//       {"client": "b", "wait_event": "message:new", "count": 3},
//       {"client": "a", "emit": "channel:join", "data": {...}, "ack": true},
//       {"client": "a", "wait_disconnect": true},
//       {"sleep_ms": 100},
//       {"client": "a", "disconnect": true}
//     ]
//   }
// Any step may carry "timeout_ms" to override the scenario's.
// A client with "reconnection": true reconnects by itself as socket.io-client does by default
// (after 200-1000 ms); its wait_event then also waits through a reconnection.
//
// Output:
//   {
//     "steps": [{"index": 0, "ok": true, "result": ...} | {"index": 1, "ok": false, "error": "..."}],
//     "events": {"a": [{"event": "session", "data": ...}, ...]},   // every event, in order
//     "connect_errors": {"a": <err.data of the last connect_error>},
//     "disconnects": {"a": ["io client disconnect", ...]}         // reasons, in order
//   }
// Step results:
//   connect          {"connected": true, "id": socket.id}
//                    {"connected": false, "error": {"message": err.message, "data": err.data}}
//   wait_event       without "count": {"event", "data": payload, "count": received so far}, the next
//                    occurrence not consumed by an earlier wait_event of that client (it may
//                    already have arrived); with "count": N, waits until N were received since the
//                    client was created: {"event", "data": [every payload so far], "count"}, and
//                    marks them all consumed.
//   emit             with "ack": true: {"data": first argument of the ack}; otherwise {"emitted": true}.
//                    Without a "data" key the event is emitted with no argument.
//   wait_disconnect  {"reason": ...}: the next disconnect not consumed before.
//   disconnect       {"disconnected": true}
//   sleep_ms         {"slept_ms": N}
// A payload is the event's single argument, null for none, an array for several; binary values
// become {"$binary": "<base64>"}.
//
// Templating: inside "data" and a client's "auth"/"query" (resolved when it connects), a string
// "$steps.<index>.<path>" is replaced whole by that value of the output's steps array, e.g.
// "$steps.3.result.data.id". "$$..." stands for the literal string "$...".
//
// A timeout, a refused connection or a failed reference is recorded as a step error and the
// run goes on; the process exits 0. It exits 2 on an invalid scenario, 1 on a harness bug.

import { io } from "socket.io-client";

const DEFAULT_TIMEOUT_MS = 5000;
const STEP_KINDS = ["connect", "wait_event", "emit", "wait_disconnect", "disconnect", "sleep_ms"];

class ScenarioError extends Error {}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

function validate(scenario) {
  if (scenario === null || typeof scenario !== "object" || Array.isArray(scenario)) {
    throw new ScenarioError("the scenario must be a JSON object");
  }
  if (typeof scenario.url !== "string") throw new ScenarioError('"url" must be a string');
  if (!Array.isArray(scenario.clients)) throw new ScenarioError('"clients" must be an array');
  if (!Array.isArray(scenario.steps)) throw new ScenarioError('"steps" must be an array');
  const names = new Set();
  for (const client of scenario.clients) {
    if (typeof client?.name !== "string" || client.name === "") {
      throw new ScenarioError("every client needs a non-empty string name");
    }
    if (names.has(client.name)) throw new ScenarioError(`duplicate client name ${client.name}`);
    names.add(client.name);
  }
  scenario.steps.forEach((step, index) => {
    if (step === null || typeof step !== "object") {
      throw new ScenarioError(`step ${index} is not an object`);
    }
    const kinds = STEP_KINDS.filter((kind) => kind in step);
    if (kinds.length !== 1) {
      throw new ScenarioError(`step ${index} must have exactly one of ${STEP_KINDS.join(", ")}`);
    }
    if (kinds[0] === "sleep_ms") {
      if (typeof step.sleep_ms !== "number") {
        throw new ScenarioError(`step ${index}: sleep_ms must be a number`);
      }
      return;
    }
    if (!names.has(step.client)) {
      throw new ScenarioError(`step ${index} names unknown client ${JSON.stringify(step.client)}`);
    }
    if ((kinds[0] === "wait_event" || kinds[0] === "emit") && typeof step[kinds[0]] !== "string") {
      throw new ScenarioError(`step ${index}: ${kinds[0]} must be an event name`);
    }
    if ("count" in step && !(Number.isInteger(step.count) && step.count >= 1)) {
      throw new ScenarioError(`step ${index}: count must be a positive integer`);
    }
  });
}

// ---- templating -------------------------------------------------------------------------

function resolveReference(ref, results) {
  const parts = ref.slice("$steps.".length).split(".");
  let value = results;
  const walked = ["$steps"];
  for (const part of parts) {
    walked.push(part);
    if (value === null || typeof value !== "object" || !(part in value)) {
      throw new Error(`unresolved reference ${ref} (no ${walked.join(".")})`);
    }
    value = value[part];
  }
  return value;
}

function substitute(value, results) {
  if (typeof value === "string") {
    if (value.startsWith("$$")) return value.slice(1);
    if (value.startsWith("$steps.")) return resolveReference(value, results);
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => substitute(item, results));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, substitute(item, results)]),
    );
  }
  return value;
}

// ---- clients ----------------------------------------------------------------------------

function payloadOf(args) {
  if (args.length === 0) return null;
  return args.length === 1 ? args[0] : args;
}

class Client {
  constructor(spec, scenario) {
    this.spec = spec;
    this.scenario = scenario;
    this.socket = null;
    this.events = []; // [{event, data}] in arrival order
    this.byEvent = new Map(); // event -> [payload]
    this.consumed = new Map(); // event -> how many wait_event consumed
    this.disconnects = [];
    this.disconnectsConsumed = 0;
    this.connectError = undefined; // the last one, for the output
    this.attemptError = undefined; // the current connect step's
    this.waiters = new Set();
  }

  notify() {
    for (const waiter of [...this.waiters]) waiter();
  }

  // Resolves with check()'s first non-undefined value; rejects after timeoutMs, or at once when
  // giveUp() says the value can no longer come.
  waitFor(check, timeoutMs, what, giveUp = () => null) {
    return new Promise((resolve, reject) => {
      let timer = null;
      const waiter = () => {
        let value;
        try {
          value = check();
        } catch (err) {
          finish();
          reject(err);
          return;
        }
        if (value !== undefined) {
          finish();
          resolve(value);
          return;
        }
        const reason = giveUp();
        if (reason) {
          finish();
          reject(new Error(`${what}: ${reason}`));
        }
      };
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.waiters.add(waiter);
      waiter();
    });
  }

  create(results) {
    const options = {
      autoConnect: false,
      reconnection: Boolean(this.spec.reconnection),
      reconnectionDelay: 200,
      reconnectionDelayMax: 1000,
      forceNew: true,
      timeout: this.scenario.timeout_ms ?? DEFAULT_TIMEOUT_MS,
    };
    if (this.scenario.transports) options.transports = this.scenario.transports;
    if (this.scenario.path) options.path = this.scenario.path;
    if (this.spec.auth !== undefined) options.auth = substitute(this.spec.auth, results);
    if (this.spec.query !== undefined) options.query = substitute(this.spec.query, results);
    const socket = io(this.scenario.url, options);
    socket.onAny((event, ...args) => {
      const data = payloadOf(args);
      this.events.push({ event, data });
      if (!this.byEvent.has(event)) this.byEvent.set(event, []);
      this.byEvent.get(event).push(data);
      this.notify();
    });
    socket.on("connect", () => this.notify());
    socket.on("connect_error", (err) => {
      this.connectError = err;
      this.attemptError = err;
      this.notify();
    });
    socket.on("disconnect", (reason) => {
      this.disconnects.push(reason);
      this.notify();
    });
    this.socket = socket;
  }

  async connect(results, timeoutMs) {
    if (this.socket === null) this.create(results);
    if (this.socket.connected) return { connected: true, id: this.socket.id };
    this.attemptError = undefined;
    this.socket.connect();
    return this.waitFor(
      () => {
        if (this.socket.connected) return { connected: true, id: this.socket.id };
        if (this.attemptError !== undefined) {
          const err = this.attemptError;
          return {
            connected: false,
            error: { message: err.message, data: err.data ?? null },
          };
        }
        return undefined;
      },
      timeoutMs,
      "connect or connect_error",
    );
  }

  async waitEvent(event, count, timeoutMs) {
    const received = () => this.byEvent.get(event) ?? [];
    const consumed = () => this.consumed.get(event) ?? 0;
    const giveUp = () =>
      this.socket === null || (!this.socket.connected && !this.spec.reconnection)
        ? "the client is not connected"
        : null;
    if (count === undefined) {
      return this.waitFor(
        () => {
          const list = received();
          const index = consumed();
          if (list.length <= index) return undefined;
          this.consumed.set(event, index + 1);
          return { event, data: list[index], count: list.length };
        },
        timeoutMs,
        `event ${event}`,
        giveUp,
      );
    }
    return this.waitFor(
      () => {
        const list = received();
        if (list.length < count) return undefined;
        this.consumed.set(event, Math.max(consumed(), list.length));
        return { event, data: [...list], count: list.length };
      },
      timeoutMs,
      `${count} ${event} event(s) (got ${received().length} so far)`,
      giveUp,
    );
  }

  async emit(event, hasData, data, ack, timeoutMs) {
    if (this.socket === null || !this.socket.connected) {
      throw new Error("the client is not connected");
    }
    const args = hasData ? [data] : [];
    if (!ack) {
      this.socket.emit(event, ...args);
      return { emitted: true };
    }
    try {
      const reply = await this.socket.timeout(timeoutMs).emitWithAck(event, ...args);
      return { data: reply ?? null };
    } catch (err) {
      throw new Error(`no ack for ${event}: ${err?.message ?? err}`);
    }
  }

  async waitDisconnect(timeoutMs) {
    return this.waitFor(
      () => {
        if (this.disconnects.length <= this.disconnectsConsumed) return undefined;
        return { reason: this.disconnects[this.disconnectsConsumed++] };
      },
      timeoutMs,
      "disconnect",
      () => (this.socket === null ? "the client never connected" : null),
    );
  }

  disconnect() {
    if (this.socket !== null) this.socket.disconnect();
    return { disconnected: true };
  }
}

// ---- run --------------------------------------------------------------------------------

async function runStep(step, clients, results, scenario) {
  const timeoutMs = step.timeout_ms ?? scenario.timeout_ms ?? DEFAULT_TIMEOUT_MS;
  if ("sleep_ms" in step) {
    await new Promise((resolve) => setTimeout(resolve, step.sleep_ms));
    return { slept_ms: step.sleep_ms };
  }
  const client = clients.get(step.client);
  if ("connect" in step) return client.connect(results, timeoutMs);
  if ("wait_event" in step) return client.waitEvent(step.wait_event, step.count, timeoutMs);
  if ("emit" in step) {
    const hasData = "data" in step;
    const data = hasData ? substitute(step.data, results) : undefined;
    return client.emit(step.emit, hasData, data, Boolean(step.ack), timeoutMs);
  }
  if ("wait_disconnect" in step) return client.waitDisconnect(timeoutMs);
  if ("disconnect" in step) return client.disconnect();
  throw new ScenarioError(`unhandled step ${JSON.stringify(step)}`);
}

function jsonReplacer(key, value) {
  const original = this[key];
  if (Buffer.isBuffer(original)) return { $binary: original.toString("base64") };
  if (original instanceof ArrayBuffer) return { $binary: Buffer.from(original).toString("base64") };
  if (ArrayBuffer.isView(original)) {
    const bytes = Buffer.from(original.buffer, original.byteOffset, original.byteLength);
    return { $binary: bytes.toString("base64") };
  }
  return value;
}

function writeStdout(text) {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (err) => (err ? reject(err) : resolve()));
  });
}

async function main() {
  let scenario;
  try {
    scenario = JSON.parse(await readStdin());
    validate(scenario);
  } catch (err) {
    process.stderr.write(`invalid scenario: ${err.message}\n`);
    return 2;
  }

  const clients = new Map(scenario.clients.map((spec) => [spec.name, new Client(spec, scenario)]));
  const results = [];
  for (const [index, step] of scenario.steps.entries()) {
    try {
      const result = await runStep(step, clients, results, scenario);
      results.push({ index, ok: true, result });
    } catch (err) {
      if (err instanceof ScenarioError) throw err;
      results.push({ index, ok: false, error: String(err?.message ?? err) });
    }
  }

  for (const client of clients.values()) client.disconnect();

  const output = { steps: results, events: {}, connect_errors: {}, disconnects: {} };
  for (const [name, client] of clients) {
    output.events[name] = client.events;
    output.disconnects[name] = client.disconnects;
    if (client.connectError !== undefined) {
      output.connect_errors[name] = client.connectError.data ?? null;
    }
  }
  await writeStdout(`${JSON.stringify(output, jsonReplacer)}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`scenario harness failed: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
