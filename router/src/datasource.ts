import { type GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from "@apollo/gateway";
import type { GatewayGraphQLRequestContext, GatewayGraphQLResponse } from "@apollo/server-gateway-interface";
import { INTERNAL_TOKEN_HEADER, injectTraceContext } from "@supergraph/kit";
import type { RouterContext } from "./context.ts";
import { SubgraphUnreachableError, type SubgraphFetcher } from "./fetcher.ts";
import type { RouterMetrics } from "./metrics.ts";

const MUTATION = /^\s*mutation\b/;

/**
 * How the router calls one subgraph.
 *
 * - Identity: only the headers set here reach a subgraph (the gateway forwards none of the client's), so
 *   a client cannot pass its own identity headers through; the subgraph trusts the identity only because
 *   the internal token is signed.
 * - Resilience: the fetcher gives every request a timeout; a query whose connection failed (refused or
 *   reset, so it never ran) is retried once. Mutations are never retried: a mutation that reached the
 *   subgraph before the connection dropped would run twice.
 * - Invalidation: what a subgraph says the operation changed (`extensions.invalidate`) is collected for
 *   the response cache.
 */
export class RouterDataSource extends RemoteGraphQLDataSource<RouterContext> {
  constructor(
    private readonly subgraph: string,
    url: string,
    transport: SubgraphFetcher,
    private readonly signInternalToken: (viewer: RouterContext["viewer"]) => string,
    private readonly metrics: RouterMetrics,
  ) {
    super({ url, fetcher: transport.fetcher });
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<RouterContext>): void {
    const headers = request.http?.headers;
    if (!headers) return;
    const viewer = "viewer" in context ? (context.viewer ?? null) : null;
    headers.set(INTERNAL_TOKEN_HEADER, this.signInternalToken(viewer));
    if ("requestId" in context && context.requestId) headers.set("x-request-id", context.requestId);
    injectTraceContext((name, value) => headers.set(name, value));
  }

  override async process(options: GraphQLDataSourceProcessOptions<RouterContext>): Promise<GatewayGraphQLResponse> {
    const retryable = !MUTATION.test(options.request.query ?? "");
    const end = this.metrics.subgraphFetches.startTimer({ subgraph: this.subgraph });
    try {
      const response = await this.processOnce(options, retryable);
      end({ outcome: response.errors?.length ? "errors" : "ok" });
      return response;
    } catch (error) {
      end({ outcome: error instanceof SubgraphUnreachableError ? error.reason : "error" });
      throw error;
    }
  }

  private async processOnce(options: GraphQLDataSourceProcessOptions<RouterContext>, retryable: boolean) {
    try {
      return await super.process(options);
    } catch (error) {
      if (!retryable || !(error instanceof SubgraphUnreachableError) || error.reason !== "connection") throw error;
      this.metrics.subgraphRetries.inc({ subgraph: this.subgraph });
      return super.process(options);
    }
  }

  override didReceiveResponse({
    response,
    context,
  }: Required<Pick<GatewayGraphQLRequestContext<RouterContext>, "request" | "response" | "context">>): GatewayGraphQLResponse {
    const tags = response.extensions?.invalidate;
    if (Array.isArray(tags) && "invalidations" in context) {
      for (const tag of tags) if (typeof tag === "string") context.invalidations.add(tag);
    }
    return response;
  }
}
