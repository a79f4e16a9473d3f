// Shared setup for the live suites: users, an organization, clients, and waiting.
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { AurentiaClient, RestClient, Session } from "../dist/index.js";
import { OUTBOXES } from "./server.mjs";

export const PASSWORD = "correct horse battery staple 42";

/** The token of the address-confirmation link mailed to `email` (an .eml file in the
 * server's outbox folder; quoted-printable soft breaks undone). */
async function confirmationToken(url, email) {
  const dir = OUTBOXES.get(url);
  for (let i = 0; i < 300; i++) {
    let names = [];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith(".eml"));
    } catch {
      // the folder appears with the first mail
    }
    for (const name of names) {
      const text = readFileSync(join(dir, name), "utf8").replace(/=\r?\n/g, "").replace(/=3D/g, "=");
      if (!text.includes(email)) continue;
      const match = /verify-email\?token=([A-Za-z0-9_-]+)/.exec(text);
      if (match) return match[1];
    }
    await sleep(100);
  }
  throw new Error(`no confirmation mail for ${email} in ${dir}`);
}

/** A registered user with a confirmed address, signed in: their tokens and email. */
export async function register(url, prenom = "Claire") {
  const rest = new RestClient({ url });
  const email = `ts-${randomUUID().slice(0, 10)}@example.com`;
  await rest.call("register", { body: { email, password: PASSWORD, prenom, nom: "Test" } });
  await rest.call("verify_email", { body: { token: await confirmationToken(url, email) } });
  const tokens = await rest.call("login", { body: { email, password: PASSWORD } });
  return { email, tokens };
}

/** An owner, an organization with its `general` channel, and a member. */
export async function world(url) {
  const owner = await register(url, "Alice");
  const asOwner = new RestClient({ url, token: () => owner.tokens.access_token });
  const org = await asOwner.call("create_org", { body: { name: `Org ${randomUUID().slice(0, 6)}` } });
  const member = await register(url, "Bob");
  const asMember = new RestClient({ url, token: () => member.tokens.access_token });
  const invitation = await asOwner.call("create_invitation", {
    params: { org: org.id },
    body: { email: member.email, role: "MEMBER" },
  });
  await asMember.call("accept_invitation", { body: { token: invitation.token } });
  const channels = await asOwner.call("list_channels", { params: { org: org.id } });
  const general = channels.items.map((c) => c.channel).find((c) => c.name === "general");
  return { org, owner, member, general: { type: general.type, id: general.id } };
}

/** A connected client logged in as `user` (by password, as an application would). */
export async function connect(url, user, options = {}) {
  const client = await AurentiaClient.login({ url, email: user.email, password: PASSWORD, ...options });
  return client.ready();
}

/** A client from tokens already held (no login). */
export async function resume(url, tokens, options = {}) {
  return new AurentiaClient(new Session({ url, ...options }, tokens), { url, ...options }).ready();
}

/** Poll `check` until it is true; fail with `what` after `ms`. */
export async function until(what, check, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const contents = (store) => store.messages.map((m) => m.content);
export const seqs = (store) => store.messages.map((m) => m.seq);
export const range = (n, from = 1) => Array.from({ length: n }, (_, i) => i + from);
