import jwt from "jsonwebtoken";
import type { CommonConfig } from "./config.ts";

export type Role = "CUSTOMER" | "ADMIN";

/** The identity a request acts as, once its token has been verified. */
export interface Viewer {
  userId: string;
  role: Role;
}

// One algorithm, pinned: a token that names another (`none`, or RS256 with our secret as a "public key")
// is refused instead of being verified the way its author chose.
const ALGORITHM = "HS256";

/** Issues the bearer token clients send as `Authorization: Bearer <jwt>` (the users subgraph does this). */
export function signUserToken(viewer: Viewer, jwtConfig: CommonConfig["jwt"]): string {
  return jwt.sign({ role: viewer.role }, jwtConfig.secret, {
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

/** Verifies signature, algorithm, issuer, audience and expiry; throws InvalidTokenError otherwise. */
export function verifyUserToken(token: string, jwtConfig: CommonConfig["jwt"]): Viewer {
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
  if (typeof payload === "string" || typeof payload.sub !== "string" || !isRole(payload.role)) {
    throw new InvalidTokenError("The token is invalid.");
  }
  return { userId: payload.sub, role: payload.role };
}

export function isRole(value: unknown): value is Role {
  return value === "CUSTOMER" || value === "ADMIN";
}
