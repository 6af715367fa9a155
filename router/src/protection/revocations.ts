import type { RedisClientType } from "@keyv/redis";
import type { Logger, VerifiedToken } from "@supergraph/kit/runtime";

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
  logger: Logger;
}): Revocations {
  const key = (entry: string) => `${options.keyPrefix}revoked:${entry}`;
  // entry → [revoked at (seconds), forget at (ms)]
  const memory = new Map<string, [number, number]>();
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
    async revoke(entries) {
      const valid = entries.filter((entry) => ENTRY.test(entry));
      const revokedAt = String(now());
      if (memory.size > 10_000) for (const [entry, [, forgetAt]] of memory) if (forgetAt < Date.now()) memory.delete(entry);
      for (const entry of valid) memory.set(entry, [Number(revokedAt), Date.now() + options.ttlSeconds * 1000]);
      if (!options.redis || valid.length === 0) return;
      const redis = options.redis;
      try {
        await bounded(Promise.all(valid.map((entry) => redis.set(key(entry), revokedAt, { EX: options.ttlSeconds }))));
      } catch (error) {
        options.logger.error({ err: error, entries: valid }, "revocations: Redis failed; other replicas accept these tokens until they expire");
      }
    },

    async isRevoked(token) {
      const session = token.sessionId === undefined ? undefined : `session:${token.sessionId}`;
      const user = `user:${token.userId}`;
      const local = (entry: string | undefined) => {
        const found = entry === undefined ? undefined : memory.get(entry);
        if (found && found[1] < Date.now()) memory.delete(entry as string);
        return found && found[1] >= Date.now() ? String(found[0]) : undefined;
      };
      if (refuses(token, local(session), local(user))) return true;
      if (!options.redis) return false;
      const redis = options.redis;
      try {
        const [sessionValue, userValue] = session ? await bounded(redis.mGet([key(session), key(user)])) : [null, await bounded(redis.get(key(user)))];
        return refuses(token, sessionValue, userValue);
      } catch (error) {
        options.logger.warn({ err: error }, "revocations: Redis failed; token accepted (fail open)");
        return false;
      }
    },
  };
}
