/** Who is online in each organization, and who is typing in each channel. */
import { Emitter } from "./emitter.js";
import type { PresenceOf, ServerEvents } from "./generated/events.js";
import type { Session } from "./session.js";
import { type ChannelId, channelKey } from "./store.js";

export interface PresenceEvents {
  changed: { organizationId: string; user: PresenceOf };
}

/** Statuses per organization: seeded by `load` (`presence:list`), kept by `presence:updated`. */
export class Presence extends Emitter<PresenceEvents> {
  #orgs = new Map<string, Map<string, PresenceOf>>();

  constructor(private readonly session: Session) {
    super();
    session.listen("presence:updated", (update) => this.#set(update.organization_id, update));
  }

  async load(organizationId: string): Promise<PresenceOf[]> {
    const { users } = await this.session.call("presence:list", { organization_id: organizationId });
    for (const user of users) this.#set(organizationId, user);
    return users;
  }

  /** Choose `away` or `online` for all of the user's sockets. */
  async set(status: "online" | "away"): Promise<void> {
    await this.session.call("presence:set", { status });
  }

  statusOf(organizationId: string, userId: string): PresenceOf["status"] {
    return this.#orgs.get(organizationId)?.get(userId)?.status ?? "offline";
  }

  of(organizationId: string): PresenceOf[] {
    return [...(this.#orgs.get(organizationId)?.values() ?? [])];
  }

  #set(organizationId: string, user: PresenceOf | ServerEvents["presence:updated"]): void {
    let org = this.#orgs.get(organizationId);
    if (org === undefined) this.#orgs.set(organizationId, (org = new Map()));
    const entry: PresenceOf = { user_id: user.user_id, status: user.status, last_seen: user.last_seen };
    org.set(user.user_id, entry);
    this.emit("changed", { organizationId, user: entry });
  }
}

export interface TypingEvents {
  changed: { channel: ChannelId; userIds: string[] };
}

export interface TypingOptions {
  /** Forget a typist this long after their last `typing: true` (default 8 s; the server
   * itself sends `typing: false` after its own timeout). */
  expireMs?: number;
  /** Resend `typing: true` at most this often while the user types (default 3 s). */
  refreshMs?: number;
}

/** Others typing, per channel, each forgotten by itself; and this user's own signal. */
export class Typing extends Emitter<TypingEvents> {
  #typists = new Map<string, Map<string, ReturnType<typeof setTimeout>>>();
  #channels = new Map<string, ChannelId>();
  #sentAt = new Map<string, number>();
  readonly #expireMs: number;
  readonly #refreshMs: number;

  constructor(
    private readonly session: Session,
    options: TypingOptions = {},
  ) {
    super();
    this.#expireMs = options.expireMs ?? 8_000;
    this.#refreshMs = options.refreshMs ?? 3_000;
    session.listen("typing", ({ channel, user_id, typing }) => this.#seen(channel, user_id, typing));
  }

  /** Who is typing in `channel` now (other users). */
  in(channel: ChannelId): string[] {
    return [...(this.#typists.get(channelKey(channel))?.keys() ?? [])];
  }

  /** Call on each keystroke: sends `typing: true`, throttled. */
  keystroke(channel: ChannelId): void {
    const key = channelKey(channel);
    const now = Date.now();
    if (now - (this.#sentAt.get(key) ?? 0) < this.#refreshMs) return;
    this.#sentAt.set(key, now);
    this.session.request("typing", { channel, typing: true }).catch(() => undefined);
  }

  /** Call when the user sent or cleared their text. */
  stop(channel: ChannelId): void {
    const key = channelKey(channel);
    if (!this.#sentAt.delete(key)) return;
    this.session.request("typing", { channel, typing: false }).catch(() => undefined);
  }

  #seen(channel: ChannelId, userId: string, typing: boolean): void {
    const key = channelKey(channel);
    this.#channels.set(key, channel);
    let users = this.#typists.get(key);
    if (users === undefined) this.#typists.set(key, (users = new Map()));
    clearTimeout(users.get(userId));
    users.delete(userId);
    if (typing) users.set(userId, setTimeout(() => this.#seen(channel, userId, false), this.#expireMs));
    this.emit("changed", { channel, userIds: [...users.keys()] });
  }
}
