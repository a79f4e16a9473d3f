/**
 * A logged-in session: the tokens, kept fresh before they expire, and one Socket.IO
 * connection that always reconnects with the current token.
 *
 * - The access token is refreshed (`POST /auth/refresh`) ahead of its expiry, then handed
 *   to the live socket with `auth:refresh`, so the server never cuts it off.
 * - Every (re)connection asks for the token at that moment (`auth` is a callback).
 * - A refused connection (`unauthorized`) or an `auth:expired` push refreshes and
 *   reconnects; a server restart is reconnected by socket.io-client itself.
 */
import { io, type Socket } from "socket.io-client";
import { Emitter } from "./emitter.js";
import type { ClientEvents, ServerEvents } from "./generated/events.js";
import type { TokenPair } from "./generated/rest.js";
import { ApiError, RestClient } from "./rest.js";

export type ClientEventName = keyof ClientEvents;
export type ServerEventName = keyof ServerEvents;

/** An event's acknowledgement, as the server answers it. */
export type Ack<E extends ClientEventName> =
  | { ok: true; data: ClientEvents[E]["ack"] }
  | { ok: false; error: { code: ClientEvents[E]["errors"]; message: string; details?: unknown } };

/** The ack of an event was `{ok: false}`: `code` is the server's error code. */
export class AckError extends Error {
  constructor(
    readonly event: string,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(`${event}: ${code}: ${message}`);
    this.name = "AckError";
  }
}

/** No ack arrived: the socket was not connected, lost its connection, or timed out. The
 * event may or may not have reached the server: retry only what is idempotent. */
export class NotDeliveredError extends Error {
  constructor(
    readonly event: string,
    readonly reason: "disconnected" | "timeout",
  ) {
    super(`${event}: not acknowledged (${reason})`);
    this.name = "NotDeliveredError";
  }
}

export interface SessionOptions {
  url: string;
  /** Milliseconds to wait for an ack (default 10 s). */
  ackTimeoutMs?: number;
  /** Refresh this long before expiry at most (default 60 s; a third of a short lifetime). */
  refreshMarginMs?: number;
  /** socket.io-client transports (default websocket only). */
  transports?: ("websocket" | "polling")[];
  fetch?: typeof fetch;
}

export interface SessionEvents {
  /** The socket is connected and the server sent `session`; `reconnect` after the first. */
  ready: { session: ServerEvents["session"]; reconnect: boolean };
  /** The socket lost its connection (it reconnects by itself unless closed). */
  disconnected: { reason: string };
  /** The tokens were renewed. */
  refreshed: { expiresAt: number };
  /** The refresh token was refused: log in again. */
  loggedOut: { reason: string };
  /** The server said `auth:expired` (the session refreshes and reconnects). */
  expired: ServerEvents["auth:expired"];
}

export class Session extends Emitter<SessionEvents> {
  readonly rest: RestClient;
  readonly socket: Socket;
  #tokens: TokenPair;
  #expiresAt: number;
  #lifetimeMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #refreshing: Promise<void> | undefined;
  #closed = false;
  #readyOnce = false;
  #info: ServerEvents["session"] | undefined;
  readonly #options: Required<Omit<SessionOptions, "fetch">>;

  /** Log in with an email and a password, and connect. */
  static async login(options: SessionOptions & { email: string; password: string }): Promise<Session> {
    const rest = new RestClient({ url: options.url, fetch: options.fetch });
    return new Session(options, await rest.login(options.email, options.password));
  }

  /** A session from tokens already held (for example kept from an earlier run). */
  constructor(options: SessionOptions, tokens: TokenPair) {
    super();
    this.#options = {
      url: options.url,
      ackTimeoutMs: options.ackTimeoutMs ?? 10_000,
      refreshMarginMs: options.refreshMarginMs ?? 60_000,
      transports: options.transports ?? ["websocket"],
    };
    this.#tokens = tokens;
    this.#lifetimeMs = tokens.expires_in * 1000;
    this.#expiresAt = Date.now() + this.#lifetimeMs;
    this.rest = new RestClient({ url: options.url, token: () => this.#tokens.access_token, fetch: options.fetch });
    this.socket = io(this.#options.url, {
      transports: this.#options.transports,
      // Asked at every (re)connection: a reconnect after a restart uses the current token.
      auth: (cb) => {
        this.#fresh().then(
          () => cb({ token: this.#tokens.access_token }),
          () => cb({ token: this.#tokens.access_token }),
        );
      },
      reconnectionDelay: 250,
      reconnectionDelayMax: 2_000,
      autoConnect: false,
    });
    this.#wire();
    this.#schedule();
    this.socket.connect();
  }

  get accessToken(): string {
    return this.#tokens.access_token;
  }

  get refreshToken(): string {
    return this.#tokens.refresh_token;
  }

  /** The server's `session` of the current connection (user id, organizations, roles). */
  get info(): ServerEvents["session"] | undefined {
    return this.#info;
  }

  get userId(): string | undefined {
    return this.#info?.user_id;
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** Resolves once the socket is connected and `session` was received. */
  ready(): Promise<ServerEvents["session"]> {
    if (this.socket.connected && this.#info) return Promise.resolve(this.#info);
    return new Promise((resolve) => {
      const off = this.on("ready", ({ session }) => {
        off();
        resolve(session);
      });
    });
  }

  /** Emit a client event and wait for its ack (never throws on `{ok: false}`). */
  request<E extends ClientEventName>(event: E, payload: ClientEvents[E]["payload"], timeoutMs?: number): Promise<Ack<E>> {
    if (!this.socket.connected) return Promise.reject(new NotDeliveredError(event, "disconnected"));
    return new Promise((resolve, reject) => {
      const done = (fn: () => void): void => {
        clearTimeout(timer);
        this.socket.off("disconnect", lost);
        fn();
      };
      const lost = (): void => done(() => reject(new NotDeliveredError(event, "disconnected")));
      const timer = setTimeout(
        () => done(() => reject(new NotDeliveredError(event, "timeout"))),
        timeoutMs ?? this.#options.ackTimeoutMs,
      );
      this.socket.once("disconnect", lost);
      this.socket.emit(event, payload, (answer: Ack<E>) => done(() => resolve(answer)));
    });
  }

  /** Like `request`, answering the ack's data and throwing `AckError` on `{ok: false}`. */
  async call<E extends ClientEventName>(event: E, payload: ClientEvents[E]["payload"]): Promise<ClientEvents[E]["ack"]> {
    const answer = await this.request(event, payload);
    if (!answer.ok) throw new AckError(event, answer.error.code, answer.error.message, answer.error.details);
    return answer.data;
  }

  /** Listen to a server event; the answer removes the listener. */
  listen<E extends ServerEventName>(event: E, listener: (payload: ServerEvents[E]) => void): () => void {
    const handler = listener as (...args: unknown[]) => void;
    this.socket.on(event as string, handler);
    return () => this.socket.off(event as string, handler);
  }

  /** Renew the tokens now (REST), then extend the live socket with `auth:refresh`. */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#refresh().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  /** Disconnect for good and stop refreshing. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.socket.disconnect();
  }

  async #refresh(): Promise<void> {
    let tokens: TokenPair;
    try {
      tokens = await this.rest.refresh(this.#tokens.refresh_token);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        this.emit("loggedOut", { reason: error.message });
        this.close();
      }
      throw error;
    }
    this.#tokens = tokens;
    this.#lifetimeMs = tokens.expires_in * 1000;
    this.#expiresAt = Date.now() + this.#lifetimeMs;
    this.#schedule();
    this.emit("refreshed", { expiresAt: this.#expiresAt });
    if (this.socket.connected) {
      // A socket that misses this is cut at the old expiry and reconnects with the new one.
      await this.request("auth:refresh", { token: tokens.access_token }).catch(() => undefined);
    }
  }

  /** Refresh first when the token is about to expire (before a connection uses it). */
  async #fresh(): Promise<void> {
    if (Date.now() >= this.#expiresAt - this.#margin()) await this.refresh();
  }

  #margin(): number {
    return Math.min(this.#options.refreshMarginMs, this.#lifetimeMs / 3);
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    if (this.#closed) return;
    const delay = Math.max(0, this.#expiresAt - this.#margin() - Date.now());
    this.#timer = setTimeout(() => {
      this.refresh().catch(() => {
        // Offline: try again shortly; `#fresh` also refreshes before the next connection.
        if (!this.#closed) this.#timer = setTimeout(() => this.#schedule(), 2_000);
      });
    }, delay);
  }

  #reconnectSoon(delayMs: number): void {
    setTimeout(() => {
      if (!this.#closed && !this.socket.connected && !this.socket.active) this.socket.connect();
    }, delayMs);
  }

  #wire(): void {
    this.socket.on("session", (info: ServerEvents["session"]) => {
      this.#info = info;
      const reconnect = this.#readyOnce;
      this.#readyOnce = true;
      this.emit("ready", { session: info, reconnect });
    });
    this.socket.on("disconnect", (reason) => {
      this.emit("disconnected", { reason });
      // The server cut us (token expired, or it drains): socket.io-client does not come
      // back by itself after a server-side disconnect.
      if (reason === "io server disconnect" && !this.#closed) {
        this.#fresh().then(
          () => this.#reconnectSoon(0),
          () => this.#reconnectSoon(1_000),
        );
      }
    });
    this.socket.on("connect_error", (error: Error & { data?: { code?: string } }) => {
      if (this.#closed || this.socket.active) return; // transport errors: the manager retries
      const code = error.data?.code;
      if (code === "unauthorized") {
        this.refresh().then(
          () => this.#reconnectSoon(0),
          () => undefined,
        );
      } else {
        this.#reconnectSoon(1_000); // unavailable (restarting), rate_limited ...
      }
    });
    this.socket.on("auth:expired", (payload: ServerEvents["auth:expired"]) => this.emit("expired", payload));
  }
}
