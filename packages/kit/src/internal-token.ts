import jwt from "jsonwebtoken";
import { isRole, type Viewer } from "./user-token.ts";

/**
 * Subgraphs are not public: only the router (and, for service calls, another subgraph) may call them.
 * The caller sends a short-lived token in this header, signed with INTERNAL_TOKEN_SECRET, naming itself
 * and the viewer it acts for. A subgraph verifies it on every request, so a client that reaches a subgraph
 * directly, or sends identity headers through the router, cannot pose as anyone.
 */
export const INTERNAL_TOKEN_HEADER = "x-internal-token";

const ALGORITHM = "HS256";
const AUDIENCE = "supergraph-internal";
const LIFETIME_SECONDS = 60;

export interface InternalIdentity {
  /** Who sent the request: "router", or the calling service's name. */
  caller: string;
  viewer: Viewer | null;
  /** The end client's address as the router saw it (TRUSTED_PROXIES honoured), for per-client limits. */
  clientIp?: string;
}

export function signInternalToken(identity: InternalIdentity, secret: string): string {
  const claims = {
    ...(identity.viewer && { sub: identity.viewer.userId, role: identity.viewer.role }),
    ...(identity.clientIp && { ip: identity.clientIp }),
  };
  return jwt.sign(claims, secret, {
    algorithm: ALGORITHM,
    issuer: identity.caller,
    audience: AUDIENCE,
    expiresIn: LIFETIME_SECONDS,
  });
}

/** Returns the identity, or null when the token is missing, forged or expired. */
export function verifyInternalToken(token: string | undefined, secret: string): InternalIdentity | null {
  if (!token) return null;
  try {
    const payload = jwt.verify(token, secret, { algorithms: [ALGORITHM], audience: AUDIENCE });
    if (typeof payload === "string" || typeof payload.iss !== "string") return null;
    const client = typeof payload.ip === "string" ? { clientIp: payload.ip } : {};
    if (payload.sub === undefined) return { caller: payload.iss, viewer: null, ...client };
    if (typeof payload.sub !== "string" || !isRole(payload.role)) return null;
    return { caller: payload.iss, viewer: { userId: payload.sub, role: payload.role }, ...client };
  } catch {
    return null;
  }
}

/**
 * Caches signed tokens per viewer and client address for most of their lifetime: signing is an HMAC plus
 * JSON work on every subgraph fetch otherwise, and the claims only change with those two.
 */
export function createInternalTokenSigner(caller: string, secret: string) {
  const cache = new Map<string, { token: string; expiresAt: number }>();
  const refreshBeforeMs = (LIFETIME_SECONDS / 2) * 1000;
  return (viewer: Viewer | null, clientIp?: string): string => {
    const key = `${viewer ? `${viewer.userId}:${viewer.role}` : ""}|${clientIp ?? ""}`;
    const now = Date.now();
    const hit = cache.get(key);
    if (hit && hit.expiresAt - now > refreshBeforeMs) return hit.token;
    if (cache.size > 10_000) cache.clear();
    const token = signInternalToken({ caller, viewer, ...(clientIp && { clientIp }) }, secret);
    cache.set(key, { token, expiresAt: now + LIFETIME_SECONDS * 1000 });
    return token;
  };
}
