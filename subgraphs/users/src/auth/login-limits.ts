import { createHash } from "node:crypto";
import type { RedisClientType } from "@redis/client";
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  RLWrapperTimeouts,
} from "rate-limiter-flexible";

export interface LoginLimitsOptions {
  /** Failed log-ins in a row for one account before it is blocked (a success resets the count). */
  maxConsecutiveFails: number;
  blockSeconds: number;
  /** Failed log-ins one client address may make in a day. */
  maxFailsPerIpPerDay: number;
  /** Sign-ups one client address may make in an hour (each costs a password hash). */
  maxSignUpsPerIpPerHour: number;
  /** Shared counters for every replica; without it each process counts in memory. */
  redis?: RedisClientType;
  keyPrefix: string;
  timeoutMs: number;
}

/** A log-in allowed to hash: it must say how it ended. Neither call ever throws. */
export interface LoginAttempt {
  succeeded(): Promise<void>;
  /** Nothing was checked (e.g. no hash slot): the points it spent are given back. */
  abandoned(): Promise<void>;
}

export class LoginThrottledError extends Error {
  override name = "LoginThrottledError";
  constructor(readonly retryAfterSeconds: number) {
    super(`log-in throttled for ${retryAfterSeconds} s`);
  }
}

const DAY_SECONDS = 24 * 60 * 60;
const HOUR_SECONDS = 60 * 60;
/** How long a refusal lasts, in whole seconds, at least one (for Retry-After). */
const waitSeconds = (refusal: RateLimiterRes) => Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));

/**
 * Brute-force limits on log-in, after rate-limiter-flexible's login recipe: consecutive failures per
 * account and failures per day per client address. Every attempt spends its points BEFORE hashing and
 * a success gives them back, so a burst sent in parallel is counted before any of it is hashed, and a
 * refused attempt costs no hash. An unknown email spends points like a known one (keyed by the email
 * given), so the limits tell nothing about which accounts exist. Redis failures and timeouts fall back
 * to counting in memory (the limiter's insurance), never to refusing log-ins.
 */
export function createLoginLimits(options: LoginLimitsOptions) {
  const limiter = (name: string, points: number, duration: number, blockDuration: number): RateLimiterAbstract => {
    const settings = { keyPrefix: `${options.keyPrefix}login:${name}`, points, duration, blockDuration };
    const memory = new RateLimiterMemory(settings);
    if (!options.redis) return memory;
    const shared = new RateLimiterRedis({
      ...settings,
      storeClient: options.redis,
      useRedisPackage: true,
      rejectIfRedisNotReady: true,
    });
    return new RLWrapperTimeouts({ limiter: shared, timeoutMs: options.timeoutMs, insuranceLimiter: memory });
  };
  const byAccount = limiter("account", options.maxConsecutiveFails, DAY_SECONDS, options.blockSeconds);
  const byClient = limiter("client", options.maxFailsPerIpPerDay, DAY_SECONDS, 0);
  const signUpsByClient = limiter("signup", options.maxSignUpsPerIpPerHour, HOUR_SECONDS, 0);
  const quietly = (work: Promise<unknown>) =>
    work.then(
      () => {},
      () => {},
    );

  return {
    /**
     * Spends one of the client address's sign-ups for the hour, before any hashing; throws
     * LoginThrottledError when they are spent. Without an address (no router in front) nothing counts.
     */
    async beginSignUp(clientIp: string | undefined): Promise<void> {
      if (!clientIp) return;
      try {
        await signUpsByClient.consume(clientIp);
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw error;
        throw new LoginThrottledError(waitSeconds(error));
      }
    },

    /**
     * Spends one point per limit for this email and client address; throws LoginThrottledError (with the
     * longest wait) when any is exhausted. Without an address (no router in front) only the account counts.
     */
    async begin(email: string, clientIp: string | undefined): Promise<LoginAttempt> {
      // Hashed: Redis holds no email addresses.
      const account = createHash("sha256").update(email.trim().toLowerCase()).digest("base64url");
      const spends: Array<[RateLimiterAbstract, string]> = [[byAccount, account]];
      if (clientIp) spends.push([byClient, clientIp]);
      const outcomes = await Promise.allSettled(spends.map(([limit, key]) => limit.consume(key)));
      const refusals = outcomes.flatMap((outcome) =>
        outcome.status === "rejected" && outcome.reason instanceof RateLimiterRes ? [outcome.reason] : [],
      );
      const giveBack = () =>
        Promise.all(
          spends.map(([limit, key], index) => outcomes[index]?.status === "fulfilled" && quietly(limit.reward(key))),
        );
      if (refusals.length > 0) {
        // Only what was refused stays spent: a blocked client does not also run down the account's count.
        await giveBack();
        throw new LoginThrottledError(Math.max(...refusals.map(waitSeconds)));
      }
      return {
        async succeeded() {
          await Promise.all([quietly(byAccount.delete(account)), clientIp && quietly(byClient.reward(clientIp))]);
        },
        async abandoned() {
          await giveBack();
        },
      };
    },
  };
}
export type LoginLimits = ReturnType<typeof createLoginLimits>;
