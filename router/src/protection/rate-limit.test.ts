import { createClient, type RedisClientType } from "@keyv/redis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { testRedis } from "../cache/testing.ts";
import { createRateLimiter, type RateLimitDecision } from "./rate-limit.ts";

// The limiter on each store it runs on: the real Redis (when one answers), memory, and a Redis that is
// down (its insurance limiter counts in memory). Requests asked for at once, in one turn of the event
// loop, are spent together with Redis; each must get the decision it would have got alone.

const allowed = (decisions: RateLimitDecision[]) => decisions.map((decision) => decision.allowed);

const redis = await testRedis("rate-limit");

describe.runIf(redis)("with Redis", () => {
  afterAll(() => redis?.close());

  it("spends a burst asked for at once as one by one: the budget's worth allowed, in order, the rest refused", async () => {
    const limiter = createRateLimiter({
      perMinute: 5,
      redis: redis?.client,
      keyPrefix: `${redis?.prefix}a:`,
      timeoutMs: 1000,
    });
    const decisions = await Promise.all(Array.from({ length: 8 }, () => limiter("alice")));
    expect(allowed(decisions)).toEqual([true, true, true, true, true, false, false, false]);
    for (const refused of decisions.slice(5)) expect(refused.retryAfterSeconds).toBeGreaterThan(0);
    // What is left of the budget is what one more request finds: nothing.
    expect((await limiter("alice")).allowed).toBe(false);
  });

  it("counts each client on its own within a burst, and after what earlier requests spent", async () => {
    const limiter = createRateLimiter({
      perMinute: 3,
      redis: redis?.client,
      keyPrefix: `${redis?.prefix}b:`,
      timeoutMs: 1000,
    });
    expect((await limiter("bob")).allowed).toBe(true);
    const burst = await Promise.all(
      ["bob", "carol", "bob", "carol", "bob", "carol", "carol"].map((key) => limiter(key)),
    );
    // Bob had 2 points left, Carol 3.
    expect(allowed(burst)).toEqual([true, true, true, true, false, true, false]);
  });

  it("spends a burst in memory, each request as alone, while Redis hangs", async () => {
    const client = redis?.client as RedisClientType;
    const limiter = createRateLimiter({ perMinute: 5, redis: client, keyPrefix: `${redis?.prefix}h:`, timeoutMs: 100 });
    // A blocking pop holds the connection for a second: the limiter's command waits behind it.
    const blocked = client.blPop(`${redis?.prefix}nothing`, 1);
    const decisions = await Promise.all(Array.from({ length: 7 }, () => limiter("gina")));
    expect(allowed(decisions)).toEqual([true, true, true, true, true, false, false]);
    await blocked;
  });

  it("charges the in-memory count once when Redis hangs past the timeout and then fails", async () => {
    const own = redis?.client.duplicate() as RedisClientType;
    own.on("error", () => {});
    await own.connect();
    const limiter = createRateLimiter({ perMinute: 5, redis: own, keyPrefix: `${redis?.prefix}f:`, timeoutMs: 100 });
    const blocked = own.blPop(`${redis?.prefix}nothing`, 1).catch(() => null);
    expect(allowed(await Promise.all(Array.from({ length: 3 }, () => limiter("hana"))))).toEqual([true, true, true]);
    // The commands still waiting fail now; their points were already counted in memory at the timeout.
    own.destroy();
    await blocked;
    expect(allowed(await Promise.all([limiter("hana"), limiter("hana"), limiter("hana")]))).toEqual([
      true,
      true,
      false,
    ]);
  });

  it("sends one command per client for a burst, not one per request", async () => {
    const client = redis?.client as RedisClientType;
    const limiter = createRateLimiter({
      perMinute: 100,
      redis: client,
      keyPrefix: `${redis?.prefix}c:`,
      timeoutMs: 1000,
    });
    const evals = vi.spyOn(client, "eval");
    try {
      await Promise.all(["dan", "erin", "dan", "dan", "erin"].map((key) => limiter(key)));
      expect(evals).toHaveBeenCalledTimes(2);
    } finally {
      evals.mockRestore();
    }
  });
});

describe("in memory", () => {
  it("refuses past the budget, per client", async () => {
    const limiter = createRateLimiter({ perMinute: 2, redis: undefined, keyPrefix: "m:", timeoutMs: 100 });
    expect(allowed(await Promise.all(["a", "a", "b", "a"].map((key) => limiter(key))))).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });
});

describe("with Redis down", () => {
  let down: RedisClientType;
  beforeAll(() => {
    // Never connected: commands fail at once, and the insurance limiter counts in memory.
    down = createClient({
      url: "redis://127.0.0.1:1",
      disableOfflineQueue: true,
      socket: { reconnectStrategy: false },
    }) as RedisClientType;
  });

  it("still spends a burst's points, in memory, each request as alone", async () => {
    const limiter = createRateLimiter({ perMinute: 5, redis: down, keyPrefix: "d:", timeoutMs: 100 });
    const decisions = await Promise.all(Array.from({ length: 7 }, () => limiter("frank")));
    expect(allowed(decisions)).toEqual([true, true, true, true, true, false, false]);
    expect((await limiter("frank")).allowed).toBe(false);
  });
});
