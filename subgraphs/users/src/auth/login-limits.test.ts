import { createClient, type RedisClientType } from "@redis/client";
import { afterAll, describe, expect, it } from "vitest";
import { createLoginLimits, LoginThrottledError } from "./login-limits.ts";

const settings = {
  maxConsecutiveFails: 3,
  blockSeconds: 60,
  maxFailsPerIpPerDay: 5,
  maxSignUpsPerIpPerHour: 2,
  timeoutMs: 500,
};

async function failures(
  limits: ReturnType<typeof createLoginLimits>,
  email: string,
  ip: string | undefined,
  count: number,
) {
  for (let attempt = 0; attempt < count; attempt++) await limits.begin(email, ip);
}

describe("log-in limits (in memory)", () => {
  it("blocks an account after its consecutive failures, from any client, and says for how long", async () => {
    const limits = createLoginLimits({ ...settings, keyPrefix: "a:" });
    await failures(limits, "vic@example.com", "10.0.0.1", 3);
    const refusal = await limits.begin("vic@example.com", "10.0.0.2").catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(LoginThrottledError);
    expect((refusal as LoginThrottledError).retryAfterSeconds).toBe(60);
    // Other accounts are not affected; the email is compared as the user typed it, case aside.
    await expect(limits.begin("VIC@example.com ", "10.0.0.3")).rejects.toBeInstanceOf(LoginThrottledError);
    await expect(limits.begin("other@example.com", "10.0.0.3")).resolves.toBeDefined();
  });

  it("counts a parallel burst before any of it finishes", async () => {
    const limits = createLoginLimits({ ...settings, keyPrefix: "b:" });
    const burst = await Promise.allSettled(
      Array.from({ length: 6 }, () => limits.begin("burst@example.com", "10.0.0.9")),
    );
    expect(burst.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(3);
  });

  it("resets the account's count on success and gives back the client's point", async () => {
    const limits = createLoginLimits({ ...settings, keyPrefix: "c:" });
    await failures(limits, "ok@example.com", "10.0.0.4", 2);
    await (await limits.begin("ok@example.com", "10.0.0.4")).succeeded();
    await failures(limits, "ok@example.com", "10.0.0.4", 3);
    await expect(limits.begin("ok@example.com", "10.0.0.4")).rejects.toBeInstanceOf(LoginThrottledError);
  });

  it("limits a client's failures across accounts, and an abandoned attempt costs nothing", async () => {
    const limits = createLoginLimits({ ...settings, keyPrefix: "d:" });
    await (await limits.begin("x@example.com", "10.0.0.5")).abandoned();
    for (let account = 0; account < 5; account++) await limits.begin(`user${account}@example.com`, "10.0.0.5");
    await expect(limits.begin("fresh@example.com", "10.0.0.5")).rejects.toBeInstanceOf(LoginThrottledError);
    // A refused client does not run down the account it tried: that account still has all its attempts.
    await failures(limits, "fresh@example.com", "10.0.0.6", 3);
  });

  it("limits a client's sign-ups per hour, each address on its own, and none without an address", async () => {
    const limits = createLoginLimits({ ...settings, keyPrefix: "s:" });
    await limits.beginSignUp("10.0.1.1");
    await limits.beginSignUp("10.0.1.1");
    const refusal = await limits.beginSignUp("10.0.1.1").catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(LoginThrottledError);
    expect((refusal as LoginThrottledError).retryAfterSeconds).toBeGreaterThan(3500);
    await expect(limits.beginSignUp("10.0.1.2")).resolves.toBeUndefined();
    for (let signUp = 0; signUp < 5; signUp++) await limits.beginSignUp(undefined);
  });

  it("counts only the account when the caller named no client address", async () => {
    const limits = createLoginLimits({ ...settings, keyPrefix: "e:" });
    for (let account = 0; account < 8; account++) await limits.begin(`anon${account}@example.com`, undefined);
  });
});

const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const redis = await (async () => {
  const client = createClient({
    url: redisUrl,
    socket: { connectTimeout: 500, reconnectStrategy: false },
  }) as RedisClientType;
  client.on("error", () => {});
  try {
    await client.connect();
    return client;
  } catch {
    return undefined;
  }
})();

describe.runIf(redis)("log-in limits shared through Redis", () => {
  const prefix = `test:users-login:${process.pid}-${Date.now()}:`;
  afterAll(async () => {
    for await (const keys of (redis as RedisClientType).scanIterator({ MATCH: `${prefix}*` }))
      if (keys.length) await redis?.del(keys);
    await redis?.close();
  });

  it("shares an account's count between two processes' limiters", async () => {
    const one = createLoginLimits({ ...settings, redis, keyPrefix: prefix });
    const two = createLoginLimits({ ...settings, redis, keyPrefix: prefix });
    await one.begin("shared@example.com", "10.1.0.1");
    await two.begin("shared@example.com", "10.1.0.2");
    await one.begin("shared@example.com", "10.1.0.3");
    await expect(two.begin("shared@example.com", "10.1.0.4")).rejects.toBeInstanceOf(LoginThrottledError);
    const keys = await redis?.keys(`${prefix}*`);
    // Redis holds no email addresses, only their hashes.
    expect(keys?.some((key) => key.includes("shared@example.com"))).toBe(false);
  });

  it("counts in memory while Redis is unreachable, instead of failing log-ins", async () => {
    const down = createClient({
      url: "redis://127.0.0.1:1",
      disableOfflineQueue: true,
      socket: { reconnectStrategy: false },
    }) as RedisClientType;
    down.on("error", () => {});
    await down.connect().catch(() => {});
    const limits = createLoginLimits({ ...settings, redis: down, keyPrefix: prefix });
    await failures(limits, "offline@example.com", "10.1.0.9", 3);
    await expect(limits.begin("offline@example.com", "10.1.0.9")).rejects.toBeInstanceOf(LoginThrottledError);
  });
});
