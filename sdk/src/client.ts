import type { DocumentTypeDecoration } from "@graphql-typed-document-node/core";
import type { Client as StreamClient } from "graphql-sse";
import { type GraphQLErrorEntry, SupergraphError } from "./errors.ts";
import { operations, subscriptions } from "./generated/operations.ts";

export interface ClientOptions {
  /** The router's GraphQL endpoint, e.g. `http://localhost:4000/graphql`. */
  url: string;
  /** A token from `signUp`/`logIn`, sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Defaults to the global `fetch` (browsers, Node ≥ 18). */
  fetch?: typeof globalThis.fetch;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /**
   * Send each operation's sha256 instead of its text (persisted operations): smaller requests, and the
   * only way in when the router runs with PERSISTED_OPERATIONS=only. On by default.
   */
  persisted?: boolean;
}

type Operations = typeof operations;
type Subscriptions = typeof subscriptions;
// biome-ignore lint/suspicious/noExplicitAny: `any` matches either type parameter whatever its variance.
type ResultOf<D> = D extends DocumentTypeDecoration<infer R, any> ? R : never;
// biome-ignore lint/suspicious/noExplicitAny: as above.
type VariablesOf<D> = D extends DocumentTypeDecoration<any, infer V> ? V : never;
// biome-ignore lint/complexity/noBannedTypes: `{} extends V` holds exactly when every variable is optional.
type Method<D> =
  {} extends VariablesOf<D>
    ? (variables?: VariablesOf<D>, init?: RequestInit) => Promise<ResultOf<D>>
    : (variables: VariablesOf<D>, init?: RequestInit) => Promise<ResultOf<D>>;

/** A subscription's events, each its data; ends when the subscription does (`break`, or `signal`). */
// biome-ignore lint/complexity/noBannedTypes: as above.
type SubscriptionMethod<D> =
  {} extends VariablesOf<D>
    ? (variables?: VariablesOf<D>, options?: { signal?: AbortSignal }) => AsyncIterableIterator<ResultOf<D>>
    : (variables: VariablesOf<D>, options?: { signal?: AbortSignal }) => AsyncIterableIterator<ResultOf<D>>;

/**
 * One typed async method per operation in sdk/operations, named after it: `client.products({ first: 2 })`;
 * subscriptions return async iterators: `for await (const { productUpdated } of client.productUpdated({ id }))`.
 */
export type Client = { [K in keyof Operations]: Method<Operations[K]> } & {
  [K in keyof Subscriptions]: SubscriptionMethod<Subscriptions[K]>;
} & {
  /** A client identical to this one but sending this token (e.g. after `logIn`). */
  withToken(token: string | undefined): Client;
};

const hashes = new Map<string, Promise<string>>();
async function sha256(text: string): Promise<string> {
  let hash = hashes.get(text);
  if (!hash) {
    hash = crypto.subtle
      .digest("SHA-256", new TextEncoder().encode(text))
      .then((digest) => [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join(""));
    hashes.set(text, hash);
  }
  return hash;
}

export function createClient(options: ClientOptions): Client {
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const persisted = options.persisted ?? true;

  async function send(body: Record<string, unknown>, init?: RequestInit) {
    const response = await fetchImpl(options.url, {
      ...init,
      method: "POST",
      headers: {
        "content-type": "application/json",
        // The spec's own media type: a failed operation then comes with the status of its error.
        accept: "application/graphql-response+json, application/json;q=0.9",
        ...options.headers,
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      },
      body: JSON.stringify(body),
    });
    let payload: { data?: unknown; errors?: GraphQLErrorEntry[] };
    try {
      payload = (await response.json()) as typeof payload;
    } catch {
      throw new SupergraphError([{ message: `HTTP ${response.status}: the response is not JSON` }], response.status);
    }
    return { status: response.status, payload };
  }

  async function request(document: string, variables: unknown, init?: RequestInit): Promise<unknown> {
    const operationName = /\b(?:query|mutation)\s+(\w+)/.exec(document)?.[1];
    let answer: Awaited<ReturnType<typeof send>>;
    if (persisted) {
      const persistedQuery = { version: 1, sha256Hash: await sha256(document) };
      answer = await send({ operationName, variables, extensions: { persistedQuery } }, init);
      // A router that does not know the hash yet (no manifest, cold APQ cache): send the text once.
      if (answer.payload.errors?.some((error) => error.extensions?.code === "PERSISTED_QUERY_NOT_FOUND")) {
        answer = await send({ operationName, query: document, variables, extensions: { persistedQuery } }, init);
      }
    } else {
      answer = await send({ operationName, query: document, variables }, init);
    }
    const { payload, status } = answer;
    if (payload.errors?.length) throw new SupergraphError(payload.errors, status, payload.data ?? null);
    if (payload.data === undefined || payload.data === null)
      throw new SupergraphError([{ message: `HTTP ${status} without data` }], status);
    return payload.data;
  }

  const methods = Object.fromEntries(
    Object.entries(operations).map(([name, document]) => [
      name,
      (variables?: unknown, init?: RequestInit) => request(document.toString(), variables ?? {}, init),
    ]),
  );
  // Subscriptions over GraphQL over SSE (graphql-sse): plain fetch, so the same token header, proxies and
  // runtimes as every other request; one stream per subscription. Loaded on the first subscription only
  // (graphql-sse's package imports graphql, which apps using only queries need not install).
  let streams: Promise<StreamClient> | undefined;
  const streamClient = () =>
    (streams ??= import("graphql-sse").then(({ createClient: createStreamClient }) =>
      createStreamClient({
        url: options.url,
        singleConnection: false,
        retryAttempts: 0,
        fetchFn: fetchImpl,
        headers: () => ({ ...options.headers, ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) }),
      }),
    ));
  async function* subscribe(document: string, variables: unknown, signal?: AbortSignal): AsyncGenerator<unknown> {
    const operationName = /\bsubscription\s+(\w+)/.exec(document)?.[1];
    const events = (await streamClient()).iterate({
      query: document,
      operationName,
      variables: variables as Record<string, unknown>,
    });
    const stop = () => void events.return?.();
    signal?.addEventListener("abort", stop, { once: true });
    try {
      for await (const result of events) {
        // The router ends a subscription with an error (token expired, shutdown, …): thrown, with its code.
        if (result.errors?.length)
          throw new SupergraphError(result.errors as unknown as GraphQLErrorEntry[], 200, result.data ?? null);
        yield result.data;
      }
    } catch (error) {
      if (error instanceof SupergraphError) throw error;
      // Refused before it started: graphql-sse gives the router's JSON answer as the error's message.
      const refused = parseRefusal(error);
      if (refused) throw refused;
      throw error;
    } finally {
      signal?.removeEventListener("abort", stop);
      await events.return?.();
    }
  }
  const subscriptionMethods = Object.fromEntries(
    Object.entries(subscriptions).map(([name, document]) => [
      name,
      (variables?: unknown, subscribeOptions?: { signal?: AbortSignal }) =>
        subscribe(document.toString(), variables ?? {}, subscribeOptions?.signal),
    ]),
  );
  return { ...methods, ...subscriptionMethods, withToken: (token) => createClient({ ...options, token }) } as Client;
}

/** A refusal (401, 400 …) as graphql-sse reports it, turned back into the router's coded errors. */
function parseRefusal(error: unknown): SupergraphError | null {
  const text = error instanceof Error ? error.message : typeof error === "string" ? error : "";
  const json = text.slice(text.indexOf("{"));
  try {
    const body = JSON.parse(json) as { errors?: GraphQLErrorEntry[] };
    const status = Number(/\b(\d{3})\b/.exec(text)?.[1] ?? 0);
    return body.errors?.length ? new SupergraphError(body.errors, status) : null;
  } catch {
    return null;
  }
}
