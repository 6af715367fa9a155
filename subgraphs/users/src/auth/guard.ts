import { createClient, type RedisClientType } from "@redis/client";
import { appError, ErrorCode, type Logger, type Metrics } from "@supergraph/kit/runtime";
import { Counter, Gauge } from "prom-client";
import type { UsersConfig } from "../config.ts";
import { dummyHash } from "../rules/passwords.ts";
import { HashSlots, NoHashSlotError } from "./hash-slots.ts";
import { createLoginLimits, LoginThrottledError } from "./login-limits.ts";

type Operation = "signUp" | "logIn";

/**
 * What stands between a client and the password hashes: the log-in limits (per account and client) and
 * the hash slots (per process), with their metrics. One per process; sign-up and log-in go through it.
 */
export function createAuthGuard(config: UsersConfig, metrics: Metrics, logger: Logger) {
  const inFlight = new Gauge({
    name: "password_hashes_in_flight",
    help: "Password hashes running now.",
    registers: [metrics.registry],
  });
  const slots = new HashSlots({ ...config.passwordHashing, onChange: (running) => inFlight.set(running) });
  new Gauge({
    name: "password_hashes_in_flight_max",
    help: "The most password hashes that ran at once since the process started (at most PASSWORD_HASH_CONCURRENCY).",
    registers: [metrics.registry],
    collect() {
      this.set(slots.highWaterMark);
    },
  });
  const refusals = new Counter({
    name: "auth_refusals_total",
    help: "Sign-ups and log-ins refused before hashing: rate_limited (log-in or sign-up limits) or busy (no hash slot in time).",
    labelNames: ["operation", "reason"] as const,
    registers: [metrics.registry],
  });

  let redis: RedisClientType | undefined;
  if (config.redis.url) {
    redis = createClient({
      url: config.redis.url,
      // Fail fast while disconnected (the limits count in memory meanwhile) instead of queueing commands.
      disableOfflineQueue: true,
      socket: { connectTimeout: 2_000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 5_000) },
    }) as RedisClientType;
    redis.on("error", (error) => logger.warn({ err: error }, "log-in limits: Redis failed; counting in memory"));
    redis.connect().catch(() => {});
  }
  const limits = createLoginLimits({
    ...config.loginLimits,
    redis,
    keyPrefix: config.redis.keyPrefix,
    timeoutMs: config.redis.timeoutMs,
  });

  let unknownEmailHash: Promise<string> | undefined;

  /** A limit's refusal as the client sees it (429 with Retry-After), counted; anything else thrown as it is. */
  const throttled = (operation: Operation, message: string, error: unknown): never => {
    if (!(error instanceof LoginThrottledError)) throw error;
    refusals.inc({ operation, reason: "rate_limited" });
    throw appError(ErrorCode.RATE_LIMITED, message, { retryAfterSeconds: error.retryAfterSeconds });
  };

  const guard = {
    /** Runs a hash in a slot, or refuses with SERVICE_UNAVAILABLE when none frees up in time. */
    async hash<T>(operation: Operation, task: () => Promise<T>): Promise<T> {
      try {
        return await slots.run(task);
      } catch (error) {
        if (!(error instanceof NoHashSlotError)) throw error;
        refusals.inc({ operation, reason: "busy" });
        throw appError(ErrorCode.SERVICE_UNAVAILABLE, "Too many sign-ins at once: retry in a moment.");
      }
    },

    /** Spends the client's sign-ups for the hour before any hashing; RATE_LIMITED (with `retryAfterSeconds`) when spent. */
    async beginSignUp(clientIp: string | undefined): Promise<void> {
      await limits
        .beginSignUp(clientIp)
        .catch((error: unknown) =>
          throttled("signUp", "Too many sign-ups from this address: retry after the time in Retry-After.", error),
        );
    },

    /**
     * A password check under the log-in limits (logIn, and anything else that asks for the password): the
     * limits are spent before it (RATE_LIMITED when exhausted), given back if it fails to run, and the
     * account's count reset when it passes. `check` hashes, in a slot, and gives null for a wrong password.
     */
    async checkPassword<T>(
      email: string,
      clientIp: string | undefined,
      check: () => Promise<T | null>,
    ): Promise<T | null> {
      const attempt = await limits
        .begin(email, clientIp)
        .catch((error: unknown) =>
          throttled("logIn", "Too many failed log-ins: retry after the time in Retry-After.", error),
        );
      let passed: T | null;
      try {
        passed = await check();
      } catch (error) {
        await attempt.abandoned();
        throw error;
      }
      if (passed !== null) await attempt.succeeded();
      return passed;
    },

    /** A hash of nothing, verified when the email is unknown, so a wrong email costs what a wrong password does. */
    unknownEmailHash(): Promise<string> {
      unknownEmailHash ??= guard
        .hash("logIn", () => dummyHash(config.passwordHashCost))
        .catch((error: unknown) => {
          unknownEmailHash = undefined;
          throw error;
        });
      return unknownEmailHash;
    },

    async close(): Promise<void> {
      if (!redis) return;
      // A graceful QUIT waits for every pending reply; an unresponsive Redis must not hold up shutdown.
      const quit = redis.isOpen ? redis.close().catch(() => {}) : Promise.resolve();
      await Promise.race([quit, new Promise((resolve) => setTimeout(resolve, config.redis.timeoutMs * 4).unref())]);
      if (redis.isOpen) redis.destroy();
    },
  };
  return guard;
}
export type AuthGuard = ReturnType<typeof createAuthGuard>;
