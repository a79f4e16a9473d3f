/**
 * The client most applications want: a session, a store per channel kept whole and in
 * order, an outbox, presence and typing. Lower layers (`Session`, `ChannelStore`,
 * `Outbox`) are exported for those who want to arrange them otherwise.
 */
import type { ChannelRef, ChannelState, Message } from "./generated/events.js";
import type { Page_ChannelState_ } from "./generated/rest.js";
import { MemoryStorage, Outbox, type OutboxItem, type OutboxStorage } from "./outbox.js";
import { Presence, Typing, type TypingOptions } from "./presence.js";
import type { RestClient } from "./rest.js";
import { Session, type SessionOptions } from "./session.js";
import { type ChannelId, ChannelStore, channelKey } from "./store.js";

/** A channel as the server takes it: `{type, id, organization_id?}`, from any channel
 * object (a `ChannelInfo` from a listing has more fields, which the server refuses). */
export function channelRef(channel: ChannelId & { organization_id?: string | null }): ChannelRef {
  const ref: ChannelRef = { type: channel.type, id: channel.id };
  if (channel.organization_id) ref.organization_id = channel.organization_id;
  return ref;
}

export interface ClientOptions extends SessionOptions {
  /** Keeps the outbox across restarts (default: memory only). */
  storage?: OutboxStorage;
  /** Messages loaded when a channel is first joined (default 100; older ones on demand). */
  history?: number;
  typing?: TypingOptions;
}

/** Most messages one `sync` answers per channel (the server's maximum). */
const SYNC_LIMIT = 500;

export class AurentiaClient {
  readonly session: Session;
  readonly rest: RestClient;
  readonly presence: Presence;
  readonly typing: Typing;
  readonly outbox: Outbox;
  readonly #stores = new Map<string, ChannelStore>();
  readonly #refs = new Map<string, ChannelRef>();
  readonly #joined = new Set<string>();
  readonly #syncing = new Map<string, Promise<void>>();
  readonly #again = new Set<string>();
  readonly #history: number;

  /** Log in with an email and a password, connect, and wait for the server's `session`. */
  static async login(options: ClientOptions & { email: string; password: string }): Promise<AurentiaClient> {
    return new AurentiaClient(await Session.login(options), options).ready();
  }

  constructor(session: Session, options: ClientOptions = { url: "" }) {
    this.session = session;
    this.rest = session.rest;
    this.#history = options.history ?? 100;
    this.presence = new Presence(session);
    this.typing = new Typing(session, options.typing);
    this.outbox = new Outbox(session, options.storage ?? new MemoryStorage(), {
      stored: (item, message) => this.#storeOf(item.channel).apply([message]),
      failed: (item, error) => this.#storeOf(item.channel).failPending(item.client_msg_id, error),
    });
    for (const item of this.outbox.items) this.#showPending(item);
    this.#wire();
  }

  /** Resolves once connected (and the server sent `session`). */
  async ready(): Promise<this> {
    await this.session.ready();
    return this;
  }

  /** The channels of an organization the user can see, with unread counts (REST). */
  channels(organizationId: string): Promise<Page_ChannelState_> {
    return this.rest.call("list_channels", { params: { org: organizationId } });
  }

  /** The store of a channel (created empty if needed; `join` fills it and keeps it live). */
  channel(channel: ChannelId): ChannelStore {
    const key = channelKey(channel);
    let store = this.#stores.get(key);
    if (store === undefined) {
      store = new ChannelStore(channel, () => this.session.userId);
      store.on("gap", () => void this.sync(store!).catch(() => undefined));
      this.#stores.set(key, store);
    }
    return store;
  }

  /** Hear a channel live and load its recent history; kept joined across reconnects. */
  async join(target: ChannelRef): Promise<ChannelStore> {
    const channel = channelRef(target);
    const key = channelKey(channel);
    this.#refs.set(key, channel);
    this.#joined.add(key);
    await this.#join(key);
    const store = this.channel(channel);
    await this.sync(store);
    return store;
  }

  async leave(channel: ChannelRef): Promise<void> {
    this.#joined.delete(channelKey(channel));
    await this.session.call("channel:leave", { channel: channelRef(channel) });
  }

  /** Send a message through the outbox: shown at once as pending, stored once. */
  send(target: ChannelRef, content: string, parentId: string | null = null): OutboxItem {
    const channel = channelRef(target);
    this.#refs.set(channelKey(channel), this.#refs.get(channelKey(channel)) ?? channel);
    const item = this.outbox.add(channel, content, parentId);
    this.#showPending(item);
    return item;
  }

  async edit(messageId: string, content: string): Promise<Message> {
    const message = await this.session.call("message:edit", { message_id: messageId, content });
    this.channel(message.channel).apply([message]);
    return message;
  }

  async delete(messageId: string): Promise<void> {
    await this.session.call("message:delete", { message_id: messageId });
  }

  /** Mark the channel read up to `seq` (default: its last message). */
  async markRead(target: ChannelRef, seq?: number): Promise<void> {
    const channel = channelRef(target);
    const store = this.channel(channel);
    const upTo = seq ?? store.lastSeq;
    const state = await this.session.call("channel:read", { channel, seq: upTo });
    store.setRead(state.read_seq, state.unread_count, Math.max(upTo, store.contiguousSeq ?? 0));
  }

  /** Fetch what the store misses (everything after its `contiguousSeq`, and edits). */
  sync(store: ChannelStore): Promise<void> {
    const running = this.#syncing.get(store.key);
    if (running) {
      this.#again.add(store.key);
      return running;
    }
    const run = this.#sync(store).finally(() => {
      this.#syncing.delete(store.key);
      if (this.#again.delete(store.key)) void this.sync(store).catch(() => undefined);
    });
    this.#syncing.set(store.key, run);
    return run;
  }

  close(): void {
    this.session.close();
  }

  async #sync(store: ChannelStore): Promise<void> {
    const channel = this.#refs.get(store.key) ?? store.channel;
    for (;;) {
      const after = store.contiguousSeq ?? 0;
      const result = await this.session.call("sync", {
        cursors: [{ channel, after_seq: after }],
        limit: SYNC_LIMIT,
      });
      const synced = result.channels[0];
      if (synced === undefined) return;
      store.apply([...synced.messages, ...(synced.changed ?? [])]);
      if (!synced.has_more || (store.contiguousSeq ?? 0) <= after) return;
    }
  }

  async #join(key: string): Promise<void> {
    const channel = this.#refs.get(key)!;
    const state: ChannelState = await this.session.call("channel:join", { channel });
    const store = this.channel(channel);
    const base = store.contiguousSeq ?? Math.max(0, state.last_seq - this.#history);
    store.reset(state, base);
  }

  #storeOf(channel: ChannelId): ChannelStore {
    return this.channel(channel);
  }

  #showPending(item: OutboxItem): void {
    this.#refs.set(channelKey(item.channel), this.#refs.get(channelKey(item.channel)) ?? item.channel);
    this.channel(item.channel).addPending({
      client_msg_id: item.client_msg_id,
      content: item.content,
      parent_id: item.parent_id,
      created_at: item.created_at,
    });
  }

  #wire(): void {
    const s = this.session;
    s.listen("message:new", (m) => this.channel(m.channel).apply([m]));
    s.listen("message:updated", (m) => this.channel(m.channel).apply([m]));
    s.listen("message:deleted", (d) => this.channel(d.channel).applyDeleted(d));
    s.listen("reaction:updated", (r) => {
      for (const store of this.#stores.values()) if (store.has(r.message_id)) store.applyReactions(r);
    });
    s.listen("channel:read", (r) => this.channel(r.channel).setRead(r.read_seq, r.unread_count));
    s.on("ready", ({ reconnect }) => {
      // Rooms do not survive a reconnection: join again, then fetch what was missed.
      const rejoin = reconnect
        ? [...this.#joined].map((key) =>
            this.#join(key).then(() => this.sync(this.#stores.get(key)!)).catch(() => undefined),
          )
        : [];
      void Promise.all(rejoin).finally(() => void this.outbox.flush().catch(() => undefined));
    });
  }
}
