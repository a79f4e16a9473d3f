/** Typed REST calls: `rest.call("list_channels", { params: { org } })`. */
import { OPERATIONS, type Operations, type Problem, type TokenPair } from "./generated/rest.js";

export type OperationId = keyof Operations;

type Optional<K extends string, T> = [T] extends [undefined] ? { [P in K]?: undefined } : { [P in K]: T };

/** What `call` takes for one operation: path params, query and body as the server needs them. */
export type CallInput<Id extends OperationId> = Optional<"params", Operations[Id]["params"]> &
  Optional<"query", Operations[Id]["query"]> &
  Optional<"body", Operations[Id]["body"]> & { headers?: Record<string, string> };

/** A problem+json answer (RFC 9457) with the server's stable `code`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | undefined,
  ) {
    super(problem ? `${problem.code}: ${problem.detail}` : `HTTP ${status}`);
    this.name = "ApiError";
  }

  get code(): string | undefined {
    return this.problem?.code;
  }
}

export interface RestOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** Answers the current access token (the session refreshes it). */
  token?: () => string | undefined;
  fetch?: typeof fetch;
}

export class RestClient {
  readonly #url: string;
  readonly #token: () => string | undefined;
  readonly #fetch: typeof fetch;

  constructor(options: RestOptions) {
    this.#url = options.url.replace(/\/+$/, "");
    this.#token = options.token ?? (() => undefined);
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** Call an operation by its OpenAPI operationId; throws `ApiError` on a problem answer. */
  async call<Id extends OperationId>(
    id: Id,
    input?: CallInput<Id>,
  ): Promise<Operations[Id]["response"]> {
    const [method, template, auth] = (OPERATIONS as Record<string, readonly [string, string, boolean]>)[id as string]!;
    const { params, query, body, headers } = ((input as unknown) ?? {}) as {
      params?: Record<string, string>;
      query?: Record<string, unknown>;
      body?: unknown;
      headers?: Record<string, string>;
    };
    const path = template.replace(/\{([^}]+)\}/g, (_, name: string) => {
      const value = params?.[name];
      if (value === undefined) throw new TypeError(`${id}: missing path parameter ${name}`);
      return encodeURIComponent(value);
    });
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value === undefined || value === null) continue;
      for (const item of Array.isArray(value) ? value : [value]) search.append(key, String(item));
    }
    const sent: Record<string, string> = { Accept: "application/json", ...headers };
    const token = auth ? this.#token() : undefined;
    if (token) sent.Authorization = `Bearer ${token}`;
    if (body !== undefined) sent["Content-Type"] = "application/json";
    const url = `${this.#url}${path}${search.size ? `?${search}` : ""}`;
    const response = await this.#fetch(url, {
      method,
      headers: sent,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const type = response.headers.get("content-type") ?? "";
    const parsed: unknown = text && type.includes("json") ? JSON.parse(text) : text || undefined;
    if (!response.ok) throw new ApiError(response.status, parsed as Problem | undefined);
    return parsed as Operations[Id]["response"];
  }

  login(email: string, password: string): Promise<TokenPair> {
    return this.call("login", { body: { email, password } });
  }

  refresh(refreshToken: string): Promise<TokenPair> {
    return this.call("refresh", { body: { refresh_token: refreshToken } });
  }
}
