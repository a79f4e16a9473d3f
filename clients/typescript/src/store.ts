/**
 * One channel's messages as the user should see them: ordered by `seq`, each once,
 * edits and tombstones applied, plus the messages still in the outbox (pending).
 *
 * The store knows up to which `seq` it holds everything (`contiguousSeq`). A message
 * beyond `contiguousSeq + 1` means some were missed: the store asks its owner to `sync`
 * from `contiguousSeq` (the client does, and after every reconnect too).
 */
import { Emitter } from "./emitter.js";
import type { ChannelKey, Message, ServerEvents } from "./generated/events.js";

export type ChannelId = Pick<ChannelKey, "type" | "id">;

/** `type:id`, the key of a channel in maps. */
export const channelKey = (channel: ChannelId): string => `${channel.type}:${channel.id}`;

/** A message typed by this user that the server has not stored yet. */
export interface PendingMessage {
  client_msg_id: string;
  content: string;
  parent_id: string | null;
  created_at: string;
  /** Set when the server refused it for good (it stays visible, marked failed). */
  failed?: { code: string; message: string };
}

export interface StoreEvents {
  /** Anything visible changed (messages, pending, unread). */
  changed: ChannelStore;
  /** Messages after `afterSeq` are missing: fetch them (`sync`). */
  gap: { store: ChannelStore; afterSeq: number };
}

export class ChannelStore extends Emitter<StoreEvents> {
  readonly channel: ChannelId;
  #bySeq = new Map<number, Message>();
  #byId = new Map<string, number>();
  #pending = new Map<string, PendingMessage>();
  #sorted: Message[] | undefined;
  #contiguous: number | undefined;
  #readSeq = 0;
  #serverUnread = 0;
  #countedUpTo = 0;
  #me: () => string | undefined;

  constructor(channel: ChannelId, me: () => string | undefined) {
    super();
    this.channel = { type: channel.type, id: channel.id };
    this.#me = me;
  }

  get key(): string {
    return channelKey(this.channel);
  }

  /** Stored messages in `seq` order, tombstones included (`deleted: true`). */
  get messages(): readonly Message[] {
    this.#sorted ??= [...this.#bySeq.values()].sort((a, b) => a.seq - b.seq);
    return this.#sorted;
  }

  /** Messages typed here and not stored yet, in the order they were typed. */
  get pending(): readonly PendingMessage[] {
    return [...this.#pending.values()];
  }

  /** The highest `seq` up to which nothing is missing (undefined before the first load). */
  get contiguousSeq(): number | undefined {
    return this.#contiguous;
  }

  get lastSeq(): number {
    const all = this.messages;
    return all.length ? all[all.length - 1]!.seq : (this.#contiguous ?? 0);
  }

  get readSeq(): number {
    return this.#readSeq;
  }

  /** The server's unread count, plus what arrived from others since it was given. */
  get unreadCount(): number {
    let extra = 0;
    const me = this.#me();
    for (const m of this.messages) {
      if (m.seq > this.#countedUpTo && m.seq > this.#readSeq && m.sender_id !== me && !m.deleted) extra++;
    }
    return this.#serverUnread + extra;
  }

  /** Start from the server's view (a `channel:join` ack): it holds everything up to
   * `baseSeq` that it needs (`baseSeq` may skip old history). */
  reset(state: { read_seq: number; unread_count: number; last_seq: number }, baseSeq: number): void {
    this.#contiguous ??= baseSeq;
    this.setRead(state.read_seq, state.unread_count, state.last_seq);
    if (state.last_seq > (this.#contiguous ?? 0)) this.emit("gap", { store: this, afterSeq: this.#contiguous });
  }

  /** The server's read pointer and unread count, valid as of `asOfSeq`. */
  setRead(readSeq: number, unread: number, asOfSeq: number = this.lastSeq): void {
    this.#readSeq = Math.max(this.#readSeq, readSeq);
    this.#serverUnread = unread;
    this.#countedUpTo = Math.max(asOfSeq, this.#readSeq);
    this.emit("changed", this);
  }

  /** Show a message typed here until the server stores it. */
  addPending(pending: PendingMessage): void {
    if (this.#pending.has(pending.client_msg_id) || this.#hasClientMsgId(pending.client_msg_id)) return;
    this.#pending.set(pending.client_msg_id, pending);
    this.emit("changed", this);
  }

  failPending(clientMsgId: string, failed: { code: string; message: string }): void {
    const pending = this.#pending.get(clientMsgId);
    if (pending) {
      pending.failed = failed;
      this.emit("changed", this);
    }
  }

  /** Take in messages (live, acked or synced): new ones are inserted in `seq` order,
   * known ones replaced when newer (an edit, a tombstone). Answers whether a gap shows. */
  apply(messages: Iterable<Message>): void {
    let changed = false;
    for (const message of messages) changed = this.#put(message) || changed;
    if (!changed) return;
    this.#sorted = undefined;
    this.#advance();
    this.emit("changed", this);
    const last = this.lastSeq;
    if (this.#contiguous !== undefined && last > this.#contiguous) {
      this.emit("gap", { store: this, afterSeq: this.#contiguous });
    }
  }

  /** A tombstone pushed as `message:deleted` (no full message): blank the known copy. */
  applyDeleted(deleted: ServerEvents["message:deleted"]): void {
    const seq = this.#byId.get(deleted.message_id);
    const known = seq === undefined ? undefined : this.#bySeq.get(seq);
    if (known === undefined || known.deleted) return;
    this.#bySeq.set(known.seq, { ...known, deleted: true, content: "" });
    this.#sorted = undefined;
    this.emit("changed", this);
  }

  /** Reactions pushed as `reaction:updated`. */
  applyReactions(update: ServerEvents["reaction:updated"]): void {
    const seq = this.#byId.get(update.message_id);
    const known = seq === undefined ? undefined : this.#bySeq.get(seq);
    if (known === undefined) return;
    this.#bySeq.set(known.seq, { ...known, reactions: update.reactions });
    this.#sorted = undefined;
    this.emit("changed", this);
  }

  has(messageId: string): boolean {
    return this.#byId.has(messageId);
  }

  #hasClientMsgId(clientMsgId: string): boolean {
    const me = this.#me();
    return this.messages.some((m) => m.client_msg_id === clientMsgId && m.sender_id === me);
  }

  #put(message: Message): boolean {
    if (me(this.#me, message)) {
      if (message.client_msg_id !== null) this.#pending.delete(message.client_msg_id);
      // Posting moves the sender's read pointer on the server: everything before is read.
      if (message.seq > this.#readSeq) this.#readSeq = message.seq;
      if (message.seq > this.#countedUpTo) {
        this.#serverUnread = 0;
        this.#countedUpTo = message.seq;
      }
    }
    const known = this.#bySeq.get(message.seq);
    if (known !== undefined && !newer(message, known)) return false;
    this.#bySeq.set(message.seq, message);
    this.#byId.set(message.id, message.seq);
    if (this.#contiguous === undefined) this.#contiguous = message.seq - 1; // never loaded
    return true;
  }

  #advance(): void {
    let next = (this.#contiguous ?? 0) + 1;
    while (this.#bySeq.has(next)) next++;
    this.#contiguous = next - 1;
  }
}

const me = (who: () => string | undefined, message: Message): boolean => message.sender_id === who();

/** Whether `candidate` is a later state of the same message than `known`. */
function newer(candidate: Message, known: Message): boolean {
  if (candidate.deleted !== known.deleted) return candidate.deleted;
  const at = (m: Message): string => m.edited_at ?? "";
  if (at(candidate) !== at(known)) return at(candidate) > at(known);
  return JSON.stringify(candidate.reactions) !== JSON.stringify(known.reactions);
}
