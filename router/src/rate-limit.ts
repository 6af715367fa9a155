import type { RedisClientType } from "@keyv/redis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";

export interface RateLimitDecision {
  allowed: boolean;
  retryAfterSeconds: number;
}

/**
 * A budget of requests per minute per client (rate-limiter-flexible). With Redis the counters are shared
 * by every router replica; without it, or while Redis is unreachable (its insurance limiter), each
 * router counts in memory: limiting degrades, requests never fail because of the limiter itself.
 */
export function createRateLimiter(options: { perMinute: number; redis: RedisClientType | undefined; keyPrefix: string; timeoutMs: number }) {
  const base = { points: options.perMinute, duration: 60 };
  const memory = new RateLimiterMemory({ ...base, keyPrefix: `${options.keyPrefix}rl` });
  const limiter = options.redis
    ? new RateLimiterRedis({
        ...base,
        storeClient: options.redis,
        useRedisPackage: true,
        keyPrefix: `${options.keyPrefix}rl`,
        insuranceLimiter: memory,
        rejectIfRedisNotReady: true,
      })
    : memory;

  // The insurance limiter covers a Redis that errors; a Redis that hangs needs a timeout of our own.
  // In memory nothing can hang: no timer per request.
  const consumeBounded = (clientKey: string) => {
    if (limiter === memory) return memory.consume(clientKey);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("rate limit store timed out")), options.timeoutMs);
    });
    return Promise.race([limiter.consume(clientKey), timeout])
      .catch((error: unknown) => (error instanceof RateLimiterRes ? Promise.reject(error) : memory.consume(clientKey)))
      .finally(() => clearTimeout(timer));
  };

  return async function consume(clientKey: string): Promise<RateLimitDecision> {
    try {
      await consumeBounded(clientKey);
      return { allowed: true, retryAfterSeconds: 0 };
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
      }
      // The store failed and so did the insurance limiter: let the request through.
      return { allowed: true, retryAfterSeconds: 0 };
    }
  };
}
export type RateLimiter = ReturnType<typeof createRateLimiter>;
