import { KeyvAdapter } from "@apollo/utils.keyvadapter";
import type { KeyValueCache } from "@apollo/utils.keyvaluecache";
import KeyvRedis, { createClient, type RedisClientType } from "@keyv/redis";
import type { Logger } from "@supergraph/kit/runtime";
import Keyv from "keyv";
import { LRUCache } from "lru-cache";
import type { ByteBudget } from "../process/bounded-cache.ts";
import { CacheHealth } from "./health.ts";
import { MemoryTagStore, RedisTagStore, type TagStore } from "./tag-store.ts";

export interface CacheStoreOptions {
  redisUrl: string | undefined;
  keyPrefix: string;
  timeoutMs: number;
  maxTtlSeconds: number;
  /** Without Redis: the in-memory store's budget (entries, APQ documents) and the purged tags'. */
  memoryMaxBytes: number;
  tagsMaxBytes: number;
  logger: Logger;
}

/**
 * Without an expiry and a size bound, any client could fill Redis with documents (2 MB each, varied) that
 * never expire. A client whose document is gone or was not kept sends it whole, as the APQ protocol asks.
 * In Redis the documents registered in a day are bounded together too (in memory, the LRU bounds them):
 * past the budget, whoever spent it, documents already registered still serve and new ones run in full.
 */
export const APQ_TTL_SECONDS = 86_400;
export const APQ_MAX_BYTES = 64 * 1024;
export const APQ_BYTES_PER_DAY = 64 * 2 ** 20;

export interface CacheStore {
  /** The key-value store; errors propagate (ResponseCache runs it through `health`). */
  raw: KeyValueCache<string>;
  /**
   * The same store for automatic persisted queries' documents (Apollo Server's `cache`, which keys them
   * `apq:<hash>`), failing open: each kept APQ_TTL_SECONDS after it was last registered, none over
   * APQ_MAX_BYTES, and in Redis none past APQ_BYTES_PER_DAY registered in a day.
   */
  apq: KeyValueCache<string>;
  tags: TagStore;
  health: CacheHealth;
  /** The Redis connection, when there is one (for other shared state, e.g. rate limits). */
  redis: RedisClientType | undefined;
  /**
   * Takes the claim `name` for `ttlMs`: true for its first taker until it lapses, across every router
   * sharing the store (Redis `SET NX PX`; in memory, this process). Errors propagate, as `raw`'s do.
   */
  claim(name: string, ttlMs: number): Promise<boolean>;
  /** Makes a claim taken with `claim` lapse in `ttlMs` (no claim is made if there is none). */
  shortenClaim(name: string, ttlMs: number): Promise<void>;
  kind: "redis" | "memory";
  /** What this store holds in the process (nothing with Redis), for `/metrics`. */
  budgets: ByteBudget[];
  close(): Promise<void>;
}

/**
 * The router's shared store: Redis when REDIS_URL is set (every replica sees the same entries and the
 * same invalidations), otherwise an in-memory LRU (one router, development).
 */
export function createCacheStore(options: CacheStoreOptions): CacheStore {
  let tags: TagStore;
  let keyv: Keyv<string>;
  let redis: RedisClientType | undefined;
  let claim: CacheStore["claim"];
  let shortenClaim: CacheStore["shortenClaim"];
  const budgets: ByteBudget[] = [];
  const health = new CacheHealth(options.logger, options.redisUrl ? options.timeoutMs : 0, () => tags.bumpEpoch());
  if (options.redisUrl) {
    redis = createClient({
      url: options.redisUrl,
      // Fail fast while disconnected instead of queueing commands until Redis returns.
      disableOfflineQueue: true,
      socket: { connectTimeout: 2_000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 5_000) },
    }) as RedisClientType;
    redis.on("error", (error) => health.fail(error));
    // Not awaited: the router serves (uncached) while Redis is unreachable, and reconnects by itself.
    redis.connect().catch((error) => health.fail(error));
    keyv = new Keyv<string>({
      store: new KeyvRedis(redis, {
        namespace: `${options.keyPrefix}kv`,
        throwOnConnectError: false,
        throwOnErrors: true,
      }),
      namespace: `${options.keyPrefix}kv`,
      throwOnErrors: true,
      useKeyPrefix: false,
    });
    tags = new RedisTagStore(redis, options.keyPrefix, options.maxTtlSeconds + 60);
    const client = redis;
    const claimKey = (name: string) => `${options.keyPrefix}claim:${name}`;
    const px = (ttlMs: number) => ({ type: "PX" as const, value: Math.max(1, Math.ceil(ttlMs)) });
    claim = async (name, ttlMs) =>
      (await client.set(claimKey(name), "1", { condition: "NX", expiration: px(ttlMs) })) === "OK";
    shortenClaim = async (name, ttlMs) => {
      await client.set(claimKey(name), "1", { condition: "XX", expiration: px(ttlMs) });
    };
  } else {
    // A bounded in-memory store. lru-cache's set() takes an options object where Keyv passes a TTL
    // number, so it is wrapped in the plain Map interface Keyv expects (Keyv keeps expiry itself).
    // Weighed by characters (keys and JSON are one byte each in V8's one-byte strings, nearly always).
    const lru = new LRUCache<string, string>({
      maxSize: options.memoryMaxBytes,
      sizeCalculation: (value, key) => key.length + value.length,
    });
    budgets.push({
      name: "response_store",
      maxBytes: options.memoryMaxBytes,
      bytes: () => lru.calculatedSize,
      entries: () => lru.size,
    });
    const mapLike = {
      get: (key: string) => lru.get(key),
      set: (key: string, value: string) => {
        lru.set(key, value);
        return mapLike;
      },
      delete: (key: string) => lru.delete(key),
      has: (key: string) => lru.has(key),
      clear: () => lru.clear(),
    };
    keyv = new Keyv<string>({ store: mapLike, namespace: options.keyPrefix, throwOnErrors: true });
    const memoryTags = new MemoryTagStore({
      maxBytes: options.tagsMaxBytes,
      ttlMs: (options.maxTtlSeconds + 60) * 1000,
    });
    budgets.push(memoryTags);
    tags = memoryTags;
    // Each claim's end by Date.now(), which the router's other expiries use (and tests can move).
    const claims = new LRUCache<string, number>({ max: 10_000 });
    claim = async (name, ttlMs) => {
      const now = Date.now();
      if ((claims.get(name) ?? 0) > now) return false;
      claims.set(name, now + ttlMs);
      return true;
    };
    shortenClaim = async (name, ttlMs) => {
      const until = claims.get(name);
      if (until !== undefined) claims.set(name, Math.min(until, Date.now() + ttlMs));
    };
  }
  // The adapter's types name keyv's CommonJS build and ours its ESM build: the same class at run time.
  const adapter = new KeyvAdapter<string>(keyv as unknown as ConstructorParameters<typeof KeyvAdapter<string>>[0]);
  /** Whether `bytes` more fit in the day's budget (counted as spent either way); always in memory. */
  const apqBudget = async (bytes: number): Promise<boolean> => {
    if (!redis) return true;
    const key = `${options.keyPrefix}apq-bytes:${Math.floor(Date.now() / 86_400_000)}`;
    const [spent] = await redis
      .multi()
      .incrBy(key, bytes)
      .expire(key, 2 * 86_400)
      .exec();
    return Number(spent) <= APQ_BYTES_PER_DAY;
  };
  const apq: KeyValueCache<string> = {
    get: (key) => health.run(() => adapter.get(key), undefined),
    set: async (key: string, document: string) => {
      const bytes = Buffer.byteLength(document);
      if (bytes > APQ_MAX_BYTES) return;
      await health.run(async () => {
        if (await apqBudget(bytes)) await adapter.set(key, document, { ttl: APQ_TTL_SECONDS });
      }, undefined);
    },
    delete: (key) => health.run(() => adapter.delete(key), false),
  };
  return {
    raw: adapter,
    apq,
    tags,
    health,
    redis,
    claim,
    shortenClaim,
    kind: redis ? "redis" : "memory",
    budgets,
    async close() {
      if (!redis) return;
      // A graceful QUIT waits for every pending reply; an unresponsive Redis must not hold up shutdown.
      const quit = redis.isOpen ? redis.close().catch(() => {}) : Promise.resolve();
      const timer = new Promise((resolve) => setTimeout(resolve, options.timeoutMs * 4).unref());
      await Promise.race([quit, timer]);
      if (redis.isOpen) redis.destroy();
    },
  };
}
