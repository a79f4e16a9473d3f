// The signed-in user's world, shared by every page: one AurentiaClient (session, stores,
// outbox, presence, typing), the organizations, members, channels and notifications.
// Pages subscribe with useApp(); anything that changes calls bump().
import { useEffect, useState } from "preact/hooks";
import { AurentiaClient, RestClient, Session, channelKey, channelRef } from "@aurentia/client";
import { setLocale, t } from "./i18n.js";

const TOKENS = "aurentia.tokens";
const ORG = "aurentia.org";

export const app = {
  client: null,
  me: null,
  orgs: [],
  orgId: null,
  members: new Map(),
  channels: [],
  connected: true,
  notifications: { items: [], unread: 0, loaded: false },
  receipts: new Map(),
  projectsVersion: 0,
};

const listeners = new Set();
let scheduled = false;

/** Ask every subscribed component to render again (batched to one frame). */
export function bump() {
  if (scheduled) return;
  scheduled = true;
  queueMicrotask(() => {
    scheduled = false;
    for (const listener of listeners) listener();
  });
}

/** Re-render the calling component whenever the shared state changes. */
export function useApp() {
  const [, set] = useState(0);
  useEffect(() => {
    const listener = () => set((n) => n + 1);
    listeners.add(listener);
    return () => listeners.delete(listener);
  }, []);
  return app;
}

export const rest = (id, input) => app.client.rest.call(id, input);
export const call = (event, payload) => app.client.session.call(event, payload);
export const listen = (event, fn) => app.client.session.listen(event, fn);

function saveTokens(session, expiresAt) {
  const kept = JSON.parse(localStorage.getItem(TOKENS) ?? "{}");
  localStorage.setItem(
    TOKENS,
    JSON.stringify({
      access_token: session.accessToken,
      refresh_token: session.refreshToken,
      expires_at: expiresAt ?? kept.expires_at ?? Date.now(),
    }),
  );
}

const watched = new WeakSet();

/** Re-render when a channel's store changes (once per store). */
export function watch(store) {
  if (watched.has(store)) return;
  watched.add(store);
  store.on("changed", bump);
}

/** Sign in by password; throws the server's error (an ApiError). */
export async function signIn(email, password) {
  const tokens = await new RestClient({ url: location.origin }).login(email, password);
  const session = new Session({ url: location.origin }, tokens);
  saveTokens(session, Date.now() + tokens.expires_in * 1000);
  await start(session);
}

/** Resume the session kept in this browser, if any (answers whether it did). */
export async function resume() {
  const kept = JSON.parse(localStorage.getItem(TOKENS) ?? "null");
  if (!kept) return false;
  const left = Math.floor((kept.expires_at - Date.now()) / 1000);
  try {
    // An access token that may be stale: the session refreshes before connecting.
    const session = new Session(
      { url: location.origin },
      { ...kept, token_type: "bearer", expires_in: Math.max(1, left) },
    );
    if (left <= 60) await session.refresh();
    await start(session);
    return true;
  } catch {
    localStorage.removeItem(TOKENS);
    app.client?.close();
    app.client = null;
    return false;
  }
}

/** The user id in an access token (its `sub`), to keep each user's outbox apart. */
function subjectOf(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part)).sub ?? "anonymous";
  } catch {
    return "anonymous";
  }
}

/** localStorage under a per-user prefix: one person's unsent messages are never sent as
 * another's who signs in on the same browser. */
const storageFor = (userId) => ({
  getItem: (key) => localStorage.getItem(`${key}:${userId}`),
  setItem: (key, value) => localStorage.setItem(`${key}:${userId}`, value),
});

async function start(session) {
  const storage = storageFor(subjectOf(session.accessToken));
  const client = new AurentiaClient(session, { url: location.origin, storage });
  app.client = client;
  session.on("refreshed", ({ expiresAt }) => saveTokens(session, expiresAt));
  session.on("loggedOut", () => signOut(false));
  session.on("disconnected", () => {
    app.connected = false;
    bump();
  });
  session.on("ready", () => {
    app.connected = true;
    bump();
  });
  client.presence.on("changed", bump);
  client.typing.on("changed", bump);
  listen("message:read", (r) => {
    const key = `${r.reader_id}`;
    app.receipts.set(key, Math.max(app.receipts.get(key) ?? 0, r.seq));
    bump();
  });
  listen("notification:new", ({ notification, unread_count }) => {
    const n = app.notifications;
    if (!n.items.some((i) => i.id === notification.id)) n.items = [notification, ...n.items];
    n.unread = unread_count;
    bump();
  });
  listen("notification:read", ({ ids, all, unread_count }) => {
    const now = new Date().toISOString();
    app.notifications.items = app.notifications.items.map((i) =>
      all || ids.includes(i.id) ? { ...i, read_at: i.read_at ?? now } : i,
    );
    app.notifications.unread = unread_count;
    bump();
  });
  // A message in a channel without a listener yet (a first direct message): the sidebar's
  // badges change too. The client's own listener stored it already (it listens first).
  listen("message:new", (m) => {
    if (m.channel.type === "direct" && !app.channels.some((c) => c.channel.id === m.channel.id)) {
      watch(app.client.channel(m.channel));
      void loadChannels().catch(() => undefined);
    }
    bump();
  });
  listen("channel:added", () => void loadChannels().catch(() => undefined));
  listen("channel:removed", () => void loadChannels().catch(() => undefined));
  watchIdle(client);
  // A kept session whose refresh token was revoked ends here (back to the sign-in page).
  await Promise.race([
    client.ready(),
    new Promise((_, reject) => session.on("loggedOut", () => reject(new Error("logged out")))),
  ]);
  app.me = await rest("get_me");
  setLocale(app.me.locale);
  const orgs = await rest("list_orgs");
  app.orgs = orgs.items ?? orgs;
  const kept = localStorage.getItem(ORG);
  const first = app.orgs.find((o) => o.id === kept) ?? app.orgs[0];
  if (first) await selectOrg(first.id);
  void loadNotifications();
  bump();
}

const IDLE_MS = 5 * 60_000;

/** `away` after five minutes without input, `online` again at the next. */
function watchIdle(client) {
  let away = false;
  let timer;
  const idle = () => {
    away = true;
    void client.presence.set("away").catch(() => undefined);
  };
  const active = () => {
    clearTimeout(timer);
    timer = setTimeout(idle, IDLE_MS);
    if (away) {
      away = false;
      void client.presence.set("online").catch(() => undefined);
    }
  };
  for (const event of ["keydown", "pointerdown", "pointermove", "focus"]) {
    window.addEventListener(event, active, { passive: true });
  }
  client.session.on("ready", () => away && void client.presence.set("away").catch(() => undefined));
  active();
}

/** Switch organization: its members, their presence, its channels. */
export async function selectOrg(orgId) {
  app.orgId = orgId;
  localStorage.setItem(ORG, orgId);
  app.members = new Map();
  app.channels = [];
  bump();
  const members = await rest("list_members", { params: { org: orgId }, query: { limit: 200 } }).catch(() => ({
    items: [],
  }));
  for (const m of members.items) app.members.set(m.user_id, m.profile);
  if (app.me && !app.members.has(app.me.id)) app.members.set(app.me.id, app.me);
  await app.client.presence.load(orgId).catch(() => undefined);
  await loadChannels();
  bump();
}

/** The organization's channels with the server's unread counts; each joined (live). */
export async function loadChannels() {
  const orgId = app.orgId;
  const page = await app.client.channels(orgId);
  if (orgId !== app.orgId) return;
  app.channels = page.items;
  for (const state of page.items) {
    const store = app.client.channel(state.channel);
    store.setRead(state.read_seq, state.unread_count, state.last_seq);
    watch(store);
  }
  bump();
  await Promise.all(
    page.items.map((s) => app.client.join(channelRef(s.channel)).catch(() => undefined)),
  );
  bump();
}

export async function loadNotifications() {
  const page = await call("notification:list", { limit: 50 });
  app.notifications = { items: page.items, unread: page.unread_count, loaded: true };
  bump();
}

export function signOut(callServer = true) {
  const client = app.client;
  if (client && callServer) void client.rest.call("logout", { body: { refresh_token: client.session.refreshToken } }).catch(() => undefined);
  client?.close();
  localStorage.removeItem(TOKENS);
  Object.assign(app, { client: null, me: null, orgs: [], orgId: null, members: new Map(), channels: [] });
  bump();
}

/** A person's display name (first and last name, else their address). */
export function nameOf(userId) {
  const p = app.members.get(userId);
  // A client's contact may not list the members: their names are not theirs to see.
  return p ? `${p.prenom} ${p.nom}`.trim() || p.email : t("someone");
}

export function statusOf(userId) {
  const entry = app.client?.presence.of(app.orgId).find((u) => u.user_id === userId);
  return { status: entry?.status ?? "offline", lastSeen: entry?.last_seen ?? null };
}

export const orgRole = () => app.orgs.find((o) => o.id === app.orgId)?.role;

export { channelKey, channelRef };
