import type { Fetcher } from "@apollo/utils.fetcher";
import { GraphQLError } from "graphql";
import { Agent, fetch } from "undici";

/** A subgraph did not answer: refused, reset, or slower than its timeout. */
export class SubgraphUnreachableError extends GraphQLError {
  constructor(
    readonly subgraph: string,
    readonly reason: "timeout" | "connection",
    detail: string,
  ) {
    super(
      reason === "timeout" ? `The ${subgraph} subgraph did not answer within ${detail}.` : `The ${subgraph} subgraph is unreachable (${detail}).`,
      { extensions: { code: reason === "timeout" ? "SUBGRAPH_TIMEOUT" : "SUBGRAPH_UNAVAILABLE", subgraph } },
    );
  }
}

export interface SubgraphFetcher {
  fetcher: Fetcher;
  close(): Promise<void>;
}

/**
 * Each subgraph gets its own undici connection pool (keep-alive, bounded), and every request a timeout
 * (`AbortSignal.timeout`). undici rather than the gateway's default make-fetch-happen: it reuses
 * connections and costs far less CPU per request (measured in bench/).
 */
export function createSubgraphFetcher(subgraph: string, options: { timeoutMs: number; connections: number }): SubgraphFetcher {
  const agent = new Agent({ connections: options.connections, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 300_000 });
  const fetcher = (async (url: string, init?: Record<string, unknown>) => {
    try {
      return await fetch(url, { ...init, dispatcher: agent, signal: AbortSignal.timeout(options.timeoutMs) } as Parameters<typeof fetch>[1]);
    } catch (error) {
      if (error instanceof Error && error.name === "TimeoutError") {
        throw new SubgraphUnreachableError(subgraph, "timeout", `${options.timeoutMs} ms`);
      }
      const cause = (error as { cause?: { code?: string } }).cause;
      throw new SubgraphUnreachableError(subgraph, "connection", cause?.code ?? (error as Error).message);
    }
  }) as unknown as Fetcher;
  return { fetcher, close: () => agent.close() };
}
