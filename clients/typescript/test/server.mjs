// A real `aurentia serve` for the suite: its own SQLite file (or, with DATABASE_URL set to
// PostgreSQL, its own database beside it; REDIS_URL is passed through with a namespace of
// its own), on a free loopback port, killed with SIGKILL and restarted on demand.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, openSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { randomUUID } from "node:crypto";

const ROOT = resolve(new URL("../../..", import.meta.url).pathname);
export const PYTHON = process.env.AURENTIA_PYTHON ?? join(ROOT, ".venv/bin/python");

async function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/** Each running server's mail folder, by its URL (helpers.register reads the links there). */
export const OUTBOXES = new Map();

export class TestServer {
  constructor(env = {}) {
    this.dir = mkdtempSync(join(tmpdir(), "aurentia-ts-"));
    this.extraEnv = env;
    this.proc = undefined;
  }

  async start() {
    if (this.port === undefined) {
      this.port = await freePort();
      this.url = `http://127.0.0.1:${this.port}`;
      const base = process.env.DATABASE_URL;
      this.databaseUrl =
        base && base.startsWith("postgresql")
          ? execFileSync(PYTHON, [join(ROOT, "clients/testserver.py"), "create", base], { encoding: "utf8" }).trim()
          : `sqlite+aiosqlite:///${join(this.dir, "aurentia.db")}`;
    }
    const env = {
      ...process.env,
      DATABASE_URL: this.databaseUrl,
      JWT_SECRET: "client-suite-only-secret-0123456789abcdef",
      REDIS_NAMESPACE: `aurentia-ts-${randomUUID().slice(0, 8)}`,
      ARGON2_TIME_COST: "1",
      ARGON2_MEMORY_KIB: "8",
      ARGON2_PARALLELISM: "1",
      LOGIN_ATTEMPTS_PER_MINUTE_PER_ADDRESS: "10000",
      LOGIN_ATTEMPTS_PER_MINUTE_PER_EMAIL: "10000",
      REGISTRATIONS_PER_HOUR_PER_ADDRESS: "10000",
      HTTP_REQUESTS_PER_MINUTE_PER_ADDRESS: "1000000",
      HTTP_REQUESTS_PER_MINUTE_PER_USER: "100000",
      SOCKET_EVENTS_PER_SECOND: "1000",
      SOCKET_EVENT_BURST: "1000",
      ANALYTICS_JOB_ENABLED: "false",
      SHUTDOWN_TIMEOUT_SECONDS: "1",
      // No SMTP: mails (the address confirmation links) are written here as .eml files.
      MAIL_OUTBOX_DIR: join(this.dir, "mail"),
      MAIL_POLL_SECONDS: "0.2",
      PYTHONPATH: ROOT,
      ...this.extraEnv,
    };
    if (this.redisNamespace) env.REDIS_NAMESPACE = this.redisNamespace;
    OUTBOXES.set(this.url, env.MAIL_OUTBOX_DIR);
    this.redisNamespace = env.REDIS_NAMESPACE;
    this.logPath = join(this.dir, "server.log");
    const log = openSync(this.logPath, "a");
    this.proc = spawn(PYTHON, ["-m", "server.cli", "serve", "--port", String(this.port)], {
      cwd: ROOT,
      env,
      stdio: ["ignore", log, log],
    });
    const deadline = Date.now() + 120_000; // a loaded CI machine starts slowly
    for (;;) {
      if (this.proc.exitCode !== null) throw new Error(`server exited at start-up:\n${this.log()}`);
      try {
        const res = await fetch(`${this.url}/healthz`);
        if (res.ok) return this;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`server did not answer in time:\n${this.log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  log() {
    try {
      return readFileSync(this.logPath, "utf8").slice(-4000);
    } catch {
      return "";
    }
  }

  /** SIGKILL: the process dies without any cleanup. */
  async kill() {
    if (!this.proc || this.proc.exitCode !== null) return;
    const exited = new Promise((r) => this.proc.once("exit", r));
    this.proc.kill("SIGKILL");
    await exited;
  }

  async stop() {
    await this.kill();
    if (this.databaseUrl?.startsWith("postgresql")) {
      execFileSync(PYTHON, [join(ROOT, "clients/testserver.py"), "drop", this.databaseUrl]);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
