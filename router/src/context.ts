import { randomUUID } from "node:crypto";
import { type CommonConfig, ErrorCode, InvalidTokenError, requestError, type Viewer, verifyUserToken } from "@supergraph/kit";
import type { FastifyRequest } from "fastify";

export interface RouterContext {
  viewer: Viewer | null;
  requestId: string;
}

/**
 * Who is calling: no Authorization header means anonymous; a header that is not a valid bearer token —
 * malformed, expired, forged, wrong issuer or audience — is refused with 401, never downgraded to
 * anonymous (a client with a broken token should find out, not silently see less).
 */
export function createContext(request: FastifyRequest, jwtConfig: CommonConfig["jwt"]): RouterContext {
  const requestId = request.id ? String(request.id) : randomUUID();
  const header = request.headers.authorization;
  if (header === undefined) return { viewer: null, requestId };
  const match = /^Bearer ([A-Za-z0-9_\-.=]+)$/.exec(header.trim());
  if (!match?.[1]) {
    throw requestError(ErrorCode.UNAUTHENTICATED, "The Authorization header must be `Bearer <token>`.");
  }
  try {
    return { viewer: verifyUserToken(match[1], jwtConfig), requestId };
  } catch (error) {
    if (error instanceof InvalidTokenError) throw requestError(ErrorCode.UNAUTHENTICATED, error.message);
    throw error;
  }
}
