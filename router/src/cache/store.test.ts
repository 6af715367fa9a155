import type { RedisClientType } from "@keyv/redis";
import { createLogger } from "@supergraph/kit/runtime";
import { describe, expect, it } from "vitest";
import { APQ_BYTES_PER_DAY, APQ_MAX_BYTES, APQ_TTL_SECONDS, createCacheStore } from "./store.ts";
import { memoryCacheStore, testRedis, testRedisUrl } from "./testing.ts";

// Automatic persisted queries' documents are kept for a while and up to a size, in memory and in Redis:
// without either, any client could fill Redis with large documents that never expire.

const redis = await testRedis("store");
const large = `{ product(id: "${"x".repeat(APQ_MAX_BYTES)}") { id } }`;

describe("automatic persisted queries' documents", () => {
  it("keeps a document up to APQ_MAX_BYTES, and none over it", async () => {
    const store = memoryCacheStore();
    await store.apq.set("apq:small", "{ a }");
    await store.apq.set("apq:large", large);
    expect(await store.apq.get("apq:small")).toBe("{ a }");
    expect(await store.apq.get("apq:large")).toBeUndefined();
  });

  it.runIf(redis)(
    "expires them in Redis APQ_TTL_SECONDS after they were registered, within a budget a day",
    async () => {
      const client = redis?.client as RedisClientType;
      const store = createCacheStore({
        redisUrl: testRedisUrl,
        keyPrefix: redis?.prefix ?? "",
        timeoutMs: 1_000,
        maxTtlSeconds: 300,
        memoryMaxBytes: 2 ** 20,
        tagsMaxBytes: 2 ** 20,
        logger: createLogger("router", "silent", { write: () => {} }),
      });
      try {
        // It connects in the background (a router serves while Redis is away).
        while (!store.redis?.isReady) await new Promise((resolve) => setTimeout(resolve, 20));
        await store.apq.set("apq:registered", "{ a }");
        await store.apq.set("apq:large", large);
        const keys: string[] = [];
        for await (const batch of client.scanIterator({ MATCH: `${redis?.prefix}*apq:*` })) keys.push(...batch);
        expect(keys).toHaveLength(1);
        const ttl = await client.ttl(keys[0] as string);
        expect(ttl).toBeGreaterThan(APQ_TTL_SECONDS - 60);
        expect(ttl).toBeLessThanOrEqual(APQ_TTL_SECONDS);

        // The day's budget, nearly spent (by whoever): a document that does not fit is not kept.
        await client.set(`${redis?.prefix}apq-bytes:${Math.floor(Date.now() / 86_400_000)}`, APQ_BYTES_PER_DAY - 10);
        await store.apq.set("apq:over-budget", "{ products { totalCount } }");
        expect(await store.apq.get("apq:over-budget")).toBeUndefined();
        expect(await store.apq.get("apq:registered")).toBe("{ a }");
      } finally {
        await store.close();
        await redis?.close();
      }
    },
  );
});
