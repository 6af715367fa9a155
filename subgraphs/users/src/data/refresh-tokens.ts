import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Db } from "../data/db.ts";
import type { User } from "../generated/prisma/client.ts";

/**
 * Refresh tokens: opaque, random, single use, stored only as a SHA-256 hash. A session is a family of
 * them (its id is the `sid` of every access token issued in it): each refresh replaces the presented
 * token by a new one of the same family. A replaced token presented again means two parties hold the
 * family (a thief and its owner): the whole family is revoked (OAuth 2.0 Security BCP, refresh token rotation).
 */
const hash = (token: string) => createHash("sha256").update(token).digest("base64url");

export interface Issued {
  refreshToken: string;
  sessionId: string;
}

export type Rotation =
  | { kind: "rotated"; user: User; issued: Issued }
  | { kind: "reused"; sessionId: string }
  | { kind: "invalid" };

async function issue(db: Db, userId: string, sessionId: string, ttlSeconds: number): Promise<Issued> {
  const refreshToken = randomBytes(32).toString("base64url");
  await db.refreshToken.create({
    data: {
      tokenHash: hash(refreshToken),
      familyId: sessionId,
      userId,
      expiresAt: new Date(Date.now() + ttlSeconds * 1000),
    },
  });
  return { refreshToken, sessionId };
}

/** A new session (log-in, sign-up): a new family with its first token. */
export const startSession = (db: Db, userId: string, ttlSeconds: number): Promise<Issued> =>
  issue(db, userId, randomUUID(), ttlSeconds);

/** Replaces a refresh token by a new one of its family; a revoked one presented again revokes the family. */
export async function rotate(db: Db, token: string, ttlSeconds: number): Promise<Rotation> {
  const found = await db.refreshToken.findUnique({ where: { tokenHash: hash(token) }, include: { user: true } });
  if (!found) return { kind: "invalid" };
  const reuse = async (): Promise<Rotation> => {
    await endSession(db, found.familyId);
    return { kind: "reused", sessionId: found.familyId };
  };
  // A disabled account's tokens were revoked with it: not a sign of theft, so not told as a reuse.
  if (found.user.disabledAt) return { kind: "invalid" };
  if (found.revokedAt) return reuse();
  if (found.expiresAt.getTime() <= Date.now()) return { kind: "invalid" };
  // The new token first: if storing it fails, the presented one is still unused, and a retry with it is
  // no reuse (which would end the session).
  const issued = await issue(db, found.userId, found.familyId, ttlSeconds);
  // The conditional update decides: of two refreshes with one token at once, one wins, the other is a
  // reuse, whose revocation of the session takes the tokens both issued.
  const claimed = await db.refreshToken.updateMany({
    where: { id: found.id, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  if (claimed.count === 0) return reuse();
  return { kind: "rotated", user: found.user, issued };
}

/** Revokes every token of a session. */
export async function endSession(db: Db, sessionId: string): Promise<void> {
  await db.refreshToken.updateMany({
    where: { familyId: sessionId, revokedAt: null },
    data: { revokedAt: new Date() },
  });
}

/** Revokes every token of every session of a user. */
export async function endSessionsOf(db: Db, userId: string): Promise<void> {
  await db.refreshToken.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: new Date() } });
}

/** The session a refresh token belongs to (revoked or not), or null for an unknown token. */
export async function sessionOf(db: Db, token: string): Promise<string | null> {
  const found = await db.refreshToken.findUnique({ where: { tokenHash: hash(token) }, select: { familyId: true } });
  return found?.familyId ?? null;
}
