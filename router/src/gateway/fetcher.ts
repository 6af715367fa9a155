import type { Fetcher, FetcherResponse } from "@apollo/utils.fetcher";
import { ErrorCode } from "@supergraph/kit/runtime";
import { GraphQLError } from "graphql";
import { Agent, type Dispatcher } from "undici";

/** A subgraph did not answer: refused, reset, or slower than its timeout. */
export class SubgraphUnreachableError extends GraphQLError {
  constructor(
    readonly subgraph: string,
    readonly reason: "timeout" | "connection",
    detail: string,
  ) {
    super(
      reason === "timeout"
        ? `The ${subgraph} subgraph did not answer within ${detail}.`
        : `The ${subgraph} subgraph is unreachable (${detail}).`,
      { extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, subgraph, reason } },
    );
  }
}

export interface SubgraphFetcher {
  fetcher: Fetcher;
  close(): Promise<void>;
}

/**
 * Each subgraph gets its own undici connection pool (keep-alive, bounded), and every request a timeout.
 * `undici.request`, not the gateway's default make-fetch-happen nor undici's `fetch`: the gateway needs only
 * status, headers and the body as text, and both cost far more CPU per request (bench/README.md, "The hot
 * path"). The timeout is undici's own (headersTimeout/bodyTimeout), which needs no AbortSignal per request.
 */
export function createSubgraphFetcher(
  subgraph: string,
  options: { timeoutMs: number; connections: number },
): SubgraphFetcher {
  const agent = new Agent({
    connections: options.connections,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 300_000,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const fetcher = (async (
    url: string,
    init?: { method?: string; headers?: Record<string, string> | Headers; body?: string },
  ) => {
    let response: Dispatcher.ResponseData;
    let text: string;
    const started = Date.now();
    try {
      response = await agent.request({
        origin: new URL(url).origin,
        path: new URL(url).pathname,
        method: (init?.method ?? "POST") as Dispatcher.HttpMethod,
        headers: headersObject(init?.headers),
        body: init?.body,
      });
      text = await response.body.text();
    } catch (error) {
      const code = (error as { code?: string }).code ?? "";
      if (
        code === "UND_ERR_HEADERS_TIMEOUT" ||
        code === "UND_ERR_BODY_TIMEOUT" ||
        Date.now() - started >= options.timeoutMs
      ) {
        throw new SubgraphUnreachableError(subgraph, "timeout", `${options.timeoutMs} ms`);
      }
      throw new SubgraphUnreachableError(subgraph, "connection", code || (error as Error).message);
    }
    return toFetcherResponse(url, response, text);
  }) as unknown as Fetcher;
  return { fetcher, close: () => agent.close() };
}

/** The gateway passes a Headers object (node-fetch's); undici wants a plain object. */
function headersObject(headers: Record<string, string> | Headers | undefined): Record<string, string> {
  if (!headers || typeof (headers as Headers).forEach !== "function") return (headers as Record<string, string>) ?? {};
  const result: Record<string, string> = {};
  (headers as Headers).forEach((value, name) => {
    result[name] = value;
  });
  return result;
}

/** The slice of a fetch Response that RemoteGraphQLDataSource reads. */
function toFetcherResponse(url: string, response: Dispatcher.ResponseData, text: string): FetcherResponse {
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) headers.set(name.toLowerCase(), Array.isArray(value) ? value.join(", ") : value);
  }
  const fetcherHeaders = {
    get: (name: string) => headers.get(name.toLowerCase()) ?? null,
    has: (name: string) => headers.has(name.toLowerCase()),
    entries: () => headers.entries(),
    keys: () => headers.keys(),
    values: () => headers.values(),
    forEach: (callback: (value: string, key: string) => void) => {
      for (const [key, value] of headers) callback(value, key);
    },
    [Symbol.iterator]: () => headers.entries(),
  };
  return {
    ok: response.statusCode >= 200 && response.statusCode < 300,
    status: response.statusCode,
    statusText: "",
    url,
    redirected: false,
    headers: fetcherHeaders,
    text: async () => text,
    json: async () => JSON.parse(text),
    arrayBuffer: async () => new TextEncoder().encode(text).buffer,
    clone() {
      return toFetcherResponse(url, response, text);
    },
  } as unknown as FetcherResponse;
}
