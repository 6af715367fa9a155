import type { RedisClientType } from "@keyv/redis";
import type { Logger, VerifiedToken } from "@supergraph/kit/runtime";
import { LRUCache } from "lru-cache";
import type { ByteBudget } from "../process/bounded-cache.ts";

/**
 * Revoked sessions and users, so that an access token stops working at once (log-out, a reused refresh
 * token, a deleted account) instead of at its expiry. The users subgraph names what it revoked in
 * `extensions.revoke` (`session:<id>`, `user:<id>`); the router that carried the mutation stores it, and
 * every router checks each token against it.
 *
 * With Redis the entries are shared by every replica; without it they live in this process (one router).
 * An entry is kept as long as an access token lives (JWT_EXPIRES_IN_SECONDS): after that every token it
 * could refuse has expired anyway.
 *
 * Fails open: a Redis that fails or takes longer than REDIS_TIMEOUT_MS lets the token through (and is
 * logged), as the response cache and rate limits do, so a Redis outage never locks every user out; the
 * short access-token lifetime bounds what a missed revocation allows.
 */
export interface Revocations {
  /** The entries held in this process, within REVOCATIONS_MAX_BYTES. */
  budget: ByteBudget;
  /** Stores entries reported by the users subgraph (`session:<id>` or `user:<id>`); others are ignored. */
  revoke(entries: readonly string[]): Promise<void>;
  /** Whether the token's session, or its user (for tokens issued before the revocation), was revoked. */
  isRevoked(token: VerifiedToken): Promise<boolean>;
}

const ENTRY = /^(session|user):[0-9A-Za-z-]{1,64}$/;

export function createRevocations(options: {
  redis: RedisClientType | undefined;
  keyPrefix: string;
  ttlSeconds: number;
  timeoutMs: number;
  maxBytes: number;
  logger: Logger;
}): Revocations {
  const key = (entry: string) => `${options.keyPrefix}revoked:${entry}`;
  // entry → revoked at (seconds), forgotten once no token it refuses can still be valid.
  const memory = new LRUCache<string, number>({
    maxSize: options.maxBytes,
    sizeCalculation: (_, entry) => entry.length + 64,
    ttl: options.ttlSeconds * 1000,
    dispose: (_, entry, reason) => {
      // Without Redis a revocation forgotten early lets its tokens in again until they expire.
      if (reason === "evict" && !options.redis)
        options.logger.warn(
          { entry },
          "revocations: over REVOCATIONS_MAX_BYTES, the oldest forgotten before its tokens expire",
        );
    },
  });
  const now = () => Math.floor(Date.now() / 1000);

  const refuses = (token: VerifiedToken, session: string | null | undefined, user: string | null | undefined) =>
    session != null || (user != null && token.issuedAt <= Number(user));

  const bounded = <T>(work: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("revocation store timed out")), options.timeoutMs);
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  };

  return {
    budget: {
      name: "revocations",
      maxBytes: options.maxBytes,
      bytes: () => memory.calculatedSize,
      entries: () => memory.size,
    },
    async revoke(entries) {
      const valid = entries.filter((entry) => ENTRY.test(entry));
      const revokedAt = String(now());
      for (const entry of valid) memory.set(entry, Number(revokedAt));
      if (!options.redis || valid.length === 0) return;
      const redis = options.redis;
      try {
        await bounded(Promise.all(valid.map((entry) => redis.set(key(entry), revokedAt, { EX: options.ttlSeconds }))));
      } catch (error) {
        options.logger.error(
          { err: error, entries: valid },
          "revocations: Redis failed; other replicas accept these tokens until they expire",
        );
      }
    },

    async isRevoked(token) {
      const session = token.sessionId === undefined ? undefined : `session:${token.sessionId}`;
      const user = `user:${token.userId}`;
      const local = (entry: string | undefined) => {
        const found = entry === undefined ? undefined : memory.get(entry);
        return found === undefined ? undefined : String(found);
      };
      if (refuses(token, local(session), local(user))) return true;
      if (!options.redis) return false;
      const redis = options.redis;
      try {
        const [sessionValue, userValue] = session
          ? await bounded(redis.mGet([key(session), key(user)]))
          : [null, await bounded(redis.get(key(user)))];
        return refuses(token, sessionValue, userValue);
      } catch (error) {
        options.logger.warn({ err: error }, "revocations: Redis failed; token accepted (fail open)");
        return false;
      }
    },
  };
}
