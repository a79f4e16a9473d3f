// The browser suite's setup: a real `aurentia serve` (the client package's test server),
// users registered and confirmed through the mailed link, an organization with a project,
// and Chromium (Debian's, at /usr/bin/chromium: no browser download) driven by
// playwright-core, with axe-core injected into each page.
import { randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { setTimeout as sleep } from "node:timers/promises";
import { chromium } from "playwright-core";
import { OUTBOXES, TestServer } from "../../clients/typescript/test/server.mjs";

export { TestServer };
export const PASSWORD = "correct horse battery staple 42";
export const SCREENSHOTS = new URL("../screenshots/", import.meta.url).pathname;
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

async function api(url, method, path, body, token) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      "Content-Type": "application/json",
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** The token of the newest mailed link to `path` for `email` (e.g. "reset-password"). */
export async function mailedToken(url, email, path, skip = new Set()) {
  const dir = OUTBOXES.get(url);
  for (let i = 0; i < 300; i++) {
    let names = [];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith(".eml") && !skip.has(n));
    } catch {
      // the folder appears with the first mail
    }
    for (const name of names) {
      const text = readFileSync(`${dir}/${name}`, "utf8").replace(/=\r?\n/g, "").replace(/=3D/g, "=");
      if (!text.includes(email)) continue;
      const match = new RegExp(`${path}\\?token=([A-Za-z0-9_.-]+)`).exec(text);
      if (match) return match[1];
    }
    await sleep(100);
  }
  throw new Error(`no ${path} mail for ${email}`);
}

/** A user with a confirmed address: { email, prenom, token, id }. */
export async function register(url, prenom) {
  const email = `web-${prenom.toLowerCase()}-${randomUUID().slice(0, 8)}@example.com`;
  await api(url, "POST", "/api/v1/auth/register", { email, password: PASSWORD, prenom, nom: "Test" });
  await api(url, "POST", "/api/v1/auth/verify-email", { token: await mailedToken(url, email, "verify-email") });
  const tokens = await api(url, "POST", "/api/v1/auth/login", { email, password: PASSWORD });
  const me = await api(url, "GET", "/api/v1/me", undefined, tokens.access_token);
  return { email, prenom, token: tokens.access_token, id: me.id };
}

/** Alice (owner) and Bob (member) in one organization with a project of three tasks. */
export async function world(url) {
  const alice = await register(url, "Alice");
  const bob = await register(url, "Bob");
  const org = await api(url, "POST", "/api/v1/orgs", { name: `Org ${randomUUID().slice(0, 6)}` }, alice.token);
  const invitation = await api(
    url,
    "POST",
    `/api/v1/orgs/${org.id}/invitations`,
    { email: bob.email, role: "MANAGER" },
    alice.token,
  );
  await api(url, "POST", "/api/v1/invitations/accept", { token: invitation.token }, bob.token);
  const customer = await api(url, "POST", `/api/v1/orgs/${org.id}/clients`, { nom: "Client Démo" }, alice.token);
  const project = await api(
    url,
    "POST",
    `/api/v1/orgs/${org.id}/projects`,
    { nom: "Refonte du portail", client_id: customer.id, date_debut: "2026-01-05" },
    alice.token,
  );
  const tasks = [];
  for (const nom of ["Maquettes", "API de paiement", "Recette"]) {
    tasks.push(await api(url, "POST", `/api/v1/orgs/${org.id}/projects/${project.id}/tasks`, { nom }, alice.token));
  }
  await api(
    url,
    "POST",
    `/api/v1/orgs/${org.id}/milestones`,
    { name: "Lot 1", projet_id: project.id, start_date: "2026-01-05", due_date: "2026-03-31" },
    alice.token,
  ).catch(() => undefined);
  await api(url, "POST", `/api/v1/orgs/${org.id}/projects/${project.id}/health`, undefined, alice.token).catch(
    () => undefined,
  );
  const channels = await api(url, "GET", `/api/v1/orgs/${org.id}/channels`, undefined, alice.token);
  const general = channels.items.map((c) => c.channel).find((c) => c.name === "general");
  const other = await api(url, "POST", "/api/v1/orgs", { name: `Autre ${randomUUID().slice(0, 6)}` }, alice.token);
  return { alice, bob, org, other, project, tasks, general };
}

export async function browser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
}

/** A page of a new context (its own storage) signed in as `user` through the form. */
export async function signedIn(b, url, user) {
  const context = await b.newContext({ baseURL: url, locale: "fr-FR", viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error(`[${user.prenom}] page error:`, e.message));
  await page.goto("/app/");
  await page.getByRole("textbox", { name: "Adresse e-mail", exact: true }).fill(user.email);
  await page.getByLabel("Mot de passe", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Se connecter", exact: true }).click();
  await page.getByRole("navigation", { name: "Canaux", exact: true }).waitFor();
  return page;
}

/** axe-core's violations on the page as it is (WCAG 2.x A and AA rules). */
export async function axe(page) {
  // Evaluated through the debugging protocol: the page's CSP (no inline scripts) stays on.
  if (!(await page.evaluate(() => typeof window.axe !== "undefined"))) await page.evaluate(`${AXE};true`);
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] } }),
  );
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}
