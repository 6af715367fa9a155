import type { RedisClientType } from "@keyv/redis";
import DataLoader from "dataloader";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";

export interface RateLimitDecision {
  allowed: boolean;
  retryAfterSeconds: number;
}

/** Spends one point of a client's budget (by its key: the user, or the IP for anonymous requests). */
export type RateLimiter = (clientKey: string) => Promise<RateLimitDecision>;

const ALLOWED: RateLimitDecision = Object.freeze({ allowed: true, retryAfterSeconds: 0 });
const refused = (msBeforeNext: number): RateLimitDecision => ({
  allowed: false,
  retryAfterSeconds: Math.max(1, Math.ceil(msBeforeNext / 1000)),
});

/**
 * A budget of requests per minute per client (rate-limiter-flexible). With Redis the counters are shared
 * by every router replica; without it, or while Redis fails or hangs, each router counts in memory:
 * limiting degrades, requests never fail because of the limiter itself.
 */
export function createRateLimiter(options: {
  perMinute: number;
  redis: RedisClientType | undefined;
  keyPrefix: string;
  timeoutMs: number;
}): RateLimiter {
  const base = { points: options.perMinute, duration: 60 };
  const memory = new RateLimiterMemory({ ...base, keyPrefix: `${options.keyPrefix}rl` });
  // In memory nothing can hang or be saved by batching: one call, no timer, per request.
  if (!options.redis) {
    return async function consume(clientKey) {
      try {
        await memory.consume(clientKey);
        return ALLOWED;
      } catch (rejection) {
        return rejection instanceof RateLimiterRes ? refused(rejection.msBeforeNext) : ALLOWED;
      }
    };
  }
  const shared = new RateLimiterRedis({
    ...base,
    storeClient: options.redis,
    useRedisPackage: true,
    keyPrefix: `${options.keyPrefix}rl`,
    rejectIfRedisNotReady: true,
  });

  /**
   * Spends `points` of a client's budget; says how many it has consumed so far, or null if no store
   * could say. A Redis that fails, or takes longer than the timeout, is replaced by the count in memory,
   * once. (Not rate-limiter-flexible's insurance limiter: it charges memory when Redis fails, and a
   * command that failed after our timeout had already been charged there.)
   */
  const spend = (clientKey: string, points: number): Promise<{ consumed: number; msBeforeNext: number } | null> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("rate limit store timed out")), options.timeoutMs);
    });
    return Promise.race([shared.consume(clientKey, points), timeout])
      .catch((error: unknown) =>
        error instanceof RateLimiterRes ? Promise.reject(error) : memory.consume(clientKey, points),
      )
      .finally(() => clearTimeout(timer))
      .then(
        (spent) => ({ consumed: spent.consumedPoints, msBeforeNext: spent.msBeforeNext }),
        (rejection: unknown) =>
          rejection instanceof RateLimiterRes
            ? { consumed: rejection.consumedPoints, msBeforeNext: rejection.msBeforeNext }
            : null,
      );
  };

  /**
   * The points a turn of the event loop spends are spent together: one command per client key (its
   * count of requests at once), not one per request, as RedisTagStore batches a hit's tag check
   * (bench/README.md, "Several workers"). Each request gets the decision it would have got spending its point alone,
   * in the order they were asked for: the n-th of a key's requests in the batch is allowed while the
   * points consumed before the batch plus n stay within the budget (the store adds atomically, so this
   * holds across batches and replicas). DataLoader batches them, on setImmediate (as in RedisTagStore);
   * no decision is kept between turns.
   */
  const batched = new DataLoader<string, RateLimitDecision>(
    async (keys) => {
      const counts = new Map<string, number>();
      for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
      const spent = new Map(
        await Promise.all([...counts].map(async ([key, count]) => [key, await spend(key, count)] as const)),
      );
      const position = new Map<string, number>();
      return keys.map((key) => {
        const nth = (position.get(key) ?? 0) + 1;
        position.set(key, nth);
        const outcome = spent.get(key);
        // Redis failed and so did the count in memory: let the request through.
        if (!outcome) return ALLOWED;
        const before = outcome.consumed - (counts.get(key) as number);
        return before + nth <= options.perMinute ? ALLOWED : refused(outcome.msBeforeNext);
      });
    },
    { cache: false, batchScheduleFn: (run) => setImmediate(run), maxBatchSize: 1024 },
  );
  return (clientKey) => batched.load(clientKey);
}
