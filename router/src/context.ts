import { randomUUID } from "node:crypto";
import { type CommonConfig, ErrorCode, InvalidTokenError, requestError, type Viewer, verifyUserToken } from "@supergraph/kit";
import type { FastifyRequest } from "fastify";
import type { CacheState } from "./cache/plugin.ts";

export interface RouterContext {
  viewer: Viewer | null;
  requestId: string;
  /** What the subgraphs said this operation changed (`extensions.invalidate`), for the response cache. */
  invalidations: Set<string>;
  cache: CacheState;
}

/**
 * Who is calling: no Authorization header means anonymous; a header that is not a valid bearer token —
 * malformed, expired, forged, wrong issuer or audience — is refused with 401, never downgraded to
 * anonymous (a client with a broken token should find out, not silently see less).
 */
export function createContext(request: FastifyRequest, jwtConfig: CommonConfig["jwt"]): RouterContext {
  const requestId = request.id ? String(request.id) : randomUUID();
  const header = request.headers.authorization;
  const base = { requestId, invalidations: new Set<string>(), cache: {} };
  if (header === undefined) return { ...base, viewer: null };
  const match = /^Bearer ([A-Za-z0-9_\-.=]+)$/.exec(header.trim());
  if (!match?.[1]) {
    throw requestError(ErrorCode.UNAUTHENTICATED, "The Authorization header must be `Bearer <token>`.");
  }
  try {
    return { ...base, viewer: verifyUserToken(match[1], jwtConfig) };
  } catch (error) {
    if (error instanceof InvalidTokenError) throw requestError(ErrorCode.UNAUTHENTICATED, error.message);
    throw error;
  }
}
