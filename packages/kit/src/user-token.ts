import jwt from "jsonwebtoken";
import type { UserTokenConfig } from "./config.ts";

export type Role = "CUSTOMER" | "ADMIN";

/** The identity a request acts as, once its token has been verified. */
export interface Viewer {
  userId: string;
  role: Role;
}

/** A verified access token: its viewer, its session (a refresh-token family) and when it was issued. */
export interface VerifiedToken extends Viewer {
  /** Absent from tokens signed without a session (tests, tools): those are revoked per user only. */
  sessionId: string | undefined;
  /** Seconds since the epoch (`iat`). */
  issuedAt: number;
  /** Seconds since the epoch (`exp`): a subscription ends then. */
  expiresAt: number;
}

// One algorithm, pinned: a token that names another (`none`, or RS256 with our secret as a "public key")
// is refused instead of being verified the way its author chose.
const ALGORITHM = "HS256";

/** Issues the bearer token clients send as `Authorization: Bearer <jwt>` (the users subgraph does this). */
export function signUserToken(viewer: Viewer, jwtConfig: UserTokenConfig, sessionId?: string): string {
  return jwt.sign({ role: viewer.role, ...(sessionId && { sid: sessionId }) }, jwtConfig.secret, {
    algorithm: ALGORITHM,
    subject: viewer.userId,
    issuer: jwtConfig.issuer,
    audience: jwtConfig.audience,
    expiresIn: jwtConfig.expiresInSeconds,
  });
}

export class InvalidTokenError extends Error {
  override name = "InvalidTokenError";
}

/**
 * Verifies signature, algorithm, issuer, audience and expiry; throws InvalidTokenError otherwise. A token
 * without `exp` is refused: it would never expire (jsonwebtoken accepts it by default).
 */
export function verifyUserToken(token: string, jwtConfig: UserTokenConfig): VerifiedToken {
  let payload: string | jwt.JwtPayload;
  try {
    payload = jwt.verify(token, jwtConfig.secret, {
      algorithms: [ALGORITHM],
      issuer: jwtConfig.issuer,
      audience: jwtConfig.audience,
    });
  } catch (error) {
    const reason = error instanceof jwt.TokenExpiredError ? "The token has expired." : "The token is invalid.";
    throw new InvalidTokenError(reason);
  }
  if (
    typeof payload === "string" ||
    typeof payload.sub !== "string" ||
    !isRole(payload.role) ||
    typeof payload.iat !== "number"
  ) {
    throw new InvalidTokenError("The token is invalid.");
  }
  if (typeof payload.exp !== "number") throw new InvalidTokenError("The token has no expiry.");
  const sessionId = typeof payload.sid === "string" ? payload.sid : undefined;
  return { userId: payload.sub, role: payload.role, sessionId, issuedAt: payload.iat, expiresAt: payload.exp };
}

export function isRole(value: unknown): value is Role {
  return value === "CUSTOMER" || value === "ADMIN";
}
