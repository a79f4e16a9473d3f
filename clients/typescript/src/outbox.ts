/**
 * Messages typed by the user, kept until the server has stored them.
 *
 * Each gets its `client_msg_id` once, when typed; it is sent, and after a lost connection,
 * a server restart or an app restart (with a persistent `storage`), sent again with the
 * same id: the server stores it once and answers the stored message each time. Items
 * go one at a time, in the order typed, so a channel sees them in that order.
 */
import type { ChannelRef, Message } from "./generated/events.js";
import { AckError, NotDeliveredError, type Session } from "./session.js";

/** Where the outbox survives restarts: `localStorage` fits, or `fileStorage` in Node. */
export interface OutboxStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface OutboxItem {
  channel: ChannelRef;
  content: string;
  client_msg_id: string;
  parent_id: string | null;
  created_at: string;
}

/** Error codes that no retry can fix: the item is dropped and reported as failed. */
const FINAL = new Set(["validation_error", "forbidden", "not_found", "unauthorized"]);

export class MemoryStorage implements OutboxStorage {
  #items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.#items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.#items.set(key, value);
  }
}

export interface OutboxHooks {
  stored(item: OutboxItem, message: Message): void;
  failed(item: OutboxItem, error: { code: string; message: string }): void;
}

export class Outbox {
  #items: OutboxItem[];
  #flushing = false;
  readonly #key: string;

  constructor(
    private readonly session: Session,
    private readonly storage: OutboxStorage,
    private readonly hooks: OutboxHooks,
    key = "aurentia.outbox",
  ) {
    this.#key = key;
    this.#items = JSON.parse(storage.getItem(key) ?? "[]") as OutboxItem[];
  }

  get items(): readonly OutboxItem[] {
    return this.#items;
  }

  /** Queue a message and try to send it now. */
  add(channel: ChannelRef, content: string, parentId: string | null = null): OutboxItem {
    const item: OutboxItem = {
      channel,
      content,
      client_msg_id: newId(),
      parent_id: parentId,
      created_at: new Date().toISOString(),
    };
    this.#items.push(item);
    this.#save();
    void this.flush();
    return item;
  }

  /** Send what is queued, in order, while connected; resumes on the next call. */
  async flush(): Promise<void> {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      while (this.#items.length > 0 && this.session.connected) {
        const item = this.#items[0]!;
        const payload = {
          channel: item.channel,
          content: item.content,
          client_msg_id: item.client_msg_id,
          ...(item.parent_id ? { parent_id: item.parent_id } : {}),
        };
        let answer;
        try {
          answer = await this.session.request("message:send", payload);
        } catch (error) {
          if (error instanceof NotDeliveredError) return; // the next connection resumes
          throw error;
        }
        if (answer.ok) {
          this.#drop(item);
          this.hooks.stored(item, answer.data);
        } else if (FINAL.has(answer.error.code)) {
          this.#drop(item);
          this.hooks.failed(item, answer.error);
        } else {
          // rate_limited, unavailable, internal: the same id again, a little later.
          const wait = answer.error.code === "rate_limited" ? 1_000 : 300;
          await new Promise((resolve) => setTimeout(resolve, wait));
        }
      }
    } finally {
      this.#flushing = false;
    }
  }

  #drop(item: OutboxItem): void {
    this.#items = this.#items.filter((i) => i !== item);
    this.#save();
  }

  #save(): void {
    this.storage.setItem(this.#key, JSON.stringify(this.#items));
  }
}

export { AckError };

function newId(): string {
  return globalThis.crypto.randomUUID();
}
