import { type GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from "@apollo/gateway";
import type { GatewayGraphQLResponse } from "@apollo/server-gateway-interface";
import { INTERNAL_TOKEN_HEADER, injectTraceContext } from "@supergraph/kit/runtime";
import { type CacheState, recordFetch } from "../cache/state.ts";
import type { RouterContext } from "../context.ts";
import type { RouterMetrics } from "../process/metrics.ts";
import type { Revocations } from "../protection/revocations.ts";
import { type SubgraphFetcher, SubgraphUnreachableError } from "./fetcher.ts";

const MUTATION = /^\s*mutation\b/;

/** The response cache's state of the operation a fetch is for (none for a health check or a schema load). */
const cacheStateOf = (options: GraphQLDataSourceProcessOptions<RouterContext>): CacheState | undefined =>
  "cache" in options.context ? options.context.cache : undefined;

/**
 * How the router calls one subgraph.
 *
 * - Identity: only the headers set here reach a subgraph (the gateway forwards none of the client's), so
 *   a client cannot pass its own identity headers through; the subgraph trusts the identity only because
 *   the internal token is signed.
 * - Resilience: the fetcher gives every request a timeout; a query whose connection failed (refused or
 *   reset, so it never ran) is retried once. Mutations are never retried: a mutation that reached the
 *   subgraph before the connection dropped would run twice.
 * - Response cache: what each fetch returned and changed, as the subgraph reports it in its extensions, is
 *   recorded for the response cache (cache/state.ts), for shared fetches too.
 * - Deduplication: identical query fetches in flight at the same time (same subgraph, document,
 *   variables and viewer) are sent once; each waiter gets its own copy of the answer, since the gateway
 *   merges entity data into what it receives, and its operation's cache policy is restricted by the
 *   answer's Cache-Control as the sender's is (else a waiter's private data was stored as public).
 */
export class RouterDataSource extends RemoteGraphQLDataSource<RouterContext> {
  constructor(
    private readonly subgraph: string,
    url: string,
    transport: SubgraphFetcher,
    private readonly signInternalToken: (viewer: RouterContext["viewer"], clientIp?: string) => string,
    private readonly metrics: RouterMetrics,
    private readonly dedupe = true,
    /** Where revocations the users subgraph reports go (protection/revocations.ts); only that subgraph's are trusted. */
    private readonly revocations?: Revocations,
  ) {
    super({ url, fetcher: transport.fetcher });
  }

  /**
   * Fetches in flight, with the purge counter of the operation that sent each (see CacheState.generation;
   * undefined: it has no cache state, null: its counter could not be read).
   */
  private readonly inflight = new Map<
    string,
    { response: Promise<GatewayGraphQLResponse>; generation: number | null | undefined }
  >();

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<RouterContext>): void {
    const headers = request.http?.headers;
    if (!headers) return;
    const viewer = "viewer" in context ? (context.viewer ?? null) : null;
    const clientIp = "clientIp" in context ? context.clientIp : undefined;
    headers.set(INTERNAL_TOKEN_HEADER, this.signInternalToken(viewer, clientIp));
    if ("requestId" in context && context.requestId) headers.set("x-request-id", context.requestId);
    injectTraceContext((name, value) => headers.set(name, value));
  }

  override async process(options: GraphQLDataSourceProcessOptions<RouterContext>): Promise<GatewayGraphQLResponse> {
    const response = await this.fetch(options);
    const revoked = response.extensions?.revoke;
    // Stored before the mutation's answer is sent: once a client sees logOut succeed, its token is refused.
    if (this.subgraph === "users" && this.revocations && Array.isArray(revoked)) {
      await this.revocations.revoke(revoked.filter((entry): entry is string => typeof entry === "string"));
    }
    const cache = cacheStateOf(options);
    if (cache) recordFetch(cache, this.subgraph, options.request.query ?? "", response.extensions);
    return response;
  }

  private async fetch(options: GraphQLDataSourceProcessOptions<RouterContext>): Promise<GatewayGraphQLResponse> {
    const query = options.request.query ?? "";
    if (!this.dedupe || MUTATION.test(query)) return this.processTimed(options, false);
    const viewer = "viewer" in options.context ? options.context.viewer : null;
    const key = `${viewer ? `${viewer.userId}:${viewer.role}` : "anonymous"}\u0000${query}\u0000${JSON.stringify(options.request.variables ?? {})}`;
    const pending = this.inflight.get(key);
    if (pending) {
      this.metrics.subgraphFetchesDeduplicated.inc({ subgraph: this.subgraph });
      // The answer may have been read before a purge that came before this operation started: its
      // response is stored only if no purge came after the sender's operation started either.
      const own = cacheStateOf(options);
      if (own) {
        const sender = pending.generation;
        own.generation =
          sender === undefined || sender === null || own.generation === null ? null : Math.min(own.generation, sender);
      }
      const shared = await pending.response;
      this.restrictCachePolicy(options, shared.http?.headers.get("cache-control"));
      // Data and errors are the gateway's to mutate: a copy each. The HTTP head is only read.
      return { ...shared, data: structuredClone(shared.data), errors: shared.errors && structuredClone(shared.errors) };
    }
    const fetch = this.processTimed(options, true);
    this.inflight.set(key, { response: fetch, generation: cacheStateOf(options)?.generation });
    try {
      return await fetch;
    } finally {
      this.inflight.delete(key);
    }
  }

  /**
   * What RemoteGraphQLDataSource does with the Cache-Control of an answer it fetched, for one it did not
   * (a waiter's): its max-age (0 without one) and scope restrict the operation's cache policy. Its own
   * parsing is not exported, so it is repeated here.
   */
  private restrictCachePolicy(
    options: GraphQLDataSourceProcessOptions<RouterContext>,
    header: string | null | undefined,
  ) {
    if (!this.honorSubgraphCacheControlHeader || !("incomingRequestContext" in options)) return;
    const policy = options.incomingRequestContext.overallCachePolicy;
    if (!policy || !("restrict" in policy)) return;
    const directives = new Map<string, string | true>();
    for (const part of header?.trim().split(/\s*,\s*/) ?? []) {
      const [name = "", value] = part.split(/\s*=\s*/, 2);
      directives.set(name, value === undefined ? true : value.replace(/^"|"$/g, ""));
    }
    const maxAge = directives.get("max-age");
    policy.restrict({
      maxAge: typeof maxAge === "string" && /^[0-9]+$/.test(maxAge) ? Number(maxAge) : 0,
      ...(directives.get("public") === true
        ? { scope: "PUBLIC" as const }
        : directives.get("private") === true
          ? { scope: "PRIVATE" as const }
          : {}),
    });
  }

  private async processTimed(
    options: GraphQLDataSourceProcessOptions<RouterContext>,
    retryable: boolean,
  ): Promise<GatewayGraphQLResponse> {
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
}
