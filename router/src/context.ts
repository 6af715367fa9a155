import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import { HeaderMap } from "@apollo/server";
import {
  ErrorCode,
  InvalidTokenError,
  requestError,
  type UserTokenConfig,
  type VerifiedToken,
  type Viewer,
  verifyUserToken,
} from "@supergraph/kit/runtime";
import type { FastifyRequest } from "fastify";
import { GraphQLError } from "graphql";
import { type CacheState, newCacheState } from "./cache/state.ts";
import { type BatchCost, batchOf } from "./http/batching.ts";
import type { RouterMetrics } from "./process/metrics.ts";
import type { RateLimitDecision, RateLimiter } from "./protection/rate-limit.ts";
import type { Revocations } from "./protection/revocations.ts";

export interface RouterContext {
  viewer: Viewer | null;
  requestId: string;
  /** The response cache's state of this request (see cache/state.ts). */
  cache: CacheState;
  /**
   * Filled in once Apollo Server has resolved the operation (coalescing shares only queries). Nested
   * objects, like `cache`: Apollo Server hands plugins a shallow copy of the context.
   */
  execution: { operationType?: "query" | "mutation" | "subscription" };
  /** The client's address (`request.ip`), signed into the internal token for the users subgraph's log-in limits. */
  clientIp?: string;
  /** The batch this operation came in, if any: what its operations have cost so far (see http/batching.ts). */
  batch?: BatchCost;
}

/**
 * Who is calling: no (or an empty) Authorization header means anonymous; a header that is not a valid bearer token —
 * malformed, expired, forged, wrong issuer or audience — is refused with 401, never downgraded to
 * anonymous (a client with a broken token should find out, not silently see less).
 */
export function identify(headers: IncomingHttpHeaders, jwtConfig: UserTokenConfig): VerifiedToken | null {
  const header = headers.authorization;
  // An empty header presents no credentials (the playground's Headers tab starts with one to fill in).
  if (header === undefined || header.trim() === "") return null;
  // The scheme is case-insensitive (RFC 9110), the token is not.
  const match = /^Bearer ([A-Za-z0-9_\-.=]+)$/i.exec(header.trim());
  if (!match?.[1]) throw requestError(ErrorCode.UNAUTHENTICATED, "The Authorization header must be `Bearer <token>`.");
  try {
    return verifyUserToken(match[1], jwtConfig);
  } catch (error) {
    if (error instanceof InvalidTokenError) throw requestError(ErrorCode.UNAUTHENTICATED, error.message);
    throw error;
  }
}

/** What a client over its rate limit is told, whatever it sent. */
export const TOO_MANY_REQUESTS = "Too many requests: slow down and retry after the time in Retry-After.";

/** Whose budget a request spends: its user's when signed in, else its client address's. */
export function rateLimitKey(viewer: Viewer | null, clientIp: () => string): string {
  return viewer ? `user:${viewer.userId}` : `ip:${clientIp()}`;
}

/**
 * Builds each request's context: the verified viewer, then its rate limit — per user when signed in,
 * per client IP otherwise (`request.ip` honours X-Forwarded-For only from TRUSTED_PROXIES), so one
 * client's traffic never spends another's budget.
 */
export function createContextFactory(deps: {
  jwt: UserTokenConfig;
  rateLimit: RateLimiter;
  metrics: RouterMetrics;
  revocations: Revocations;
  /** What the cache-hit lane already did for a request it looked up and handed on: its point spent, its cache state. */
  handedOn?: (request: IncomingMessage) => { decision: RateLimitDecision; cache: CacheState } | undefined;
}) {
  /** The answer to a client over its budget (and counted). */
  const tooMany = (decision: RateLimitDecision) => {
    deps.metrics.rateLimited.inc();
    return new GraphQLError(TOO_MANY_REQUESTS, {
      extensions: {
        code: "RATE_LIMITED",
        retryAfterSeconds: decision.retryAfterSeconds,
        http: { status: 429, headers: new HeaderMap([["retry-after", String(decision.retryAfterSeconds)]]) },
      },
    });
  };
  return async (request: FastifyRequest): Promise<RouterContext> => {
    const handoff = deps.handedOn?.(request.raw);
    let viewer: VerifiedToken | null;
    try {
      viewer = identify(request.headers, deps.jwt);
      // A valid signature is not enough: the session may have been logged out, the account deleted.
      if (viewer && (await deps.revocations.isRevoked(viewer))) {
        throw requestError(ErrorCode.UNAUTHENTICATED, "The token has been revoked: sign in again.");
      }
    } catch (error) {
      // A refused token spends a point too (its address's, unless the hit lane spent one): refusing is
      // cheap, but a flood of forged tokens must not be free.
      const decision = handoff?.decision ?? (await deps.rateLimit(rateLimitKey(null, () => request.ip)));
      if (!decision.allowed) throw tooMany(decision);
      throw error;
    }
    const decision = handoff?.decision ?? (await deps.rateLimit(rateLimitKey(viewer, () => request.ip)));
    if (!decision.allowed) throw tooMany(decision);
    return {
      viewer,
      requestId: String(request.id),
      cache: handoff?.cache ?? newCacheState(),
      execution: {},
      clientIp: request.ip,
      batch: batchOf(request),
    };
  };
}
