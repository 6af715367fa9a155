import { randomBytes } from "node:crypto";
import { createClient, type RedisClientType } from "@keyv/redis";
import { createLogger, type Logger } from "@supergraph/kit/runtime";
import { loadTestConfig } from "../config.ts";
import type { CacheRequest, Hit, ResponseCache } from "./response-cache.ts";
import { createCacheStore } from "./store.ts";

// For tests (the router's, and the e2e suites' as `@supergraph/router/testing`): the in-memory store a
// router without Redis runs on, a lookup that must hit, and the real Redis when one answers.

/** The in-memory cache store (silent unless given a logger). */
export const memoryCacheStore = (logger: Logger = createLogger("router", "silent", { write: () => {} })) =>
  createCacheStore({
    redisUrl: undefined,
    keyPrefix: "t:",
    timeoutMs: 100,
    maxTtlSeconds: 300,
    memoryMaxBytes: 256 * 2 ** 20,
    tagsMaxBytes: 8 * 2 ** 20,
    logger,
  });

/** The cache's hit for an anonymous request; throws if it has none. */
export async function hitFor(cache: ResponseCache, request: CacheRequest): Promise<Hit> {
  const found = await cache.lookup(null, request);
  if (!found) throw new Error("not served");
  return found;
}

/** The test Redis (CI has one at 127.0.0.1:6379; TEST_REDIS_URL points elsewhere). */
export const testRedisUrl = loadTestConfig().redisUrl;

/** A key prefix of a test's own, so that tests running at once on one Redis never share keys. */
export const uniquePrefix = (label: string) => `test:${label}:${randomBytes(4).toString("hex")}:`;

/** Deletes every key under `prefix` (a test's own, see uniquePrefix). */
export async function deleteKeysOf(client: RedisClientType, prefix: string): Promise<void> {
  const keys: string[] = [];
  for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) keys.push(...batch);
  if (keys.length > 0) await client.del(keys);
}

/**
 * A connection to the test Redis and a key prefix of the caller's own, whose keys `close` deletes;
 * undefined when no Redis answers (the test is then skipped, as the e2e suites' Redis cases are).
 */
export async function testRedis(
  label: string,
): Promise<{ client: RedisClientType; prefix: string; close(): Promise<void> } | undefined> {
  const client = createClient({
    url: testRedisUrl,
    socket: { connectTimeout: 1000, reconnectStrategy: false },
  }) as RedisClientType;
  client.on("error", () => {});
  try {
    await client.connect();
    await client.ping();
  } catch {
    if (client.isOpen) await client.close();
    return undefined;
  }
  const prefix = uniquePrefix(label);
  return {
    client,
    prefix,
    async close() {
      await deleteKeysOf(client, prefix);
      await client.close();
    },
  };
}
