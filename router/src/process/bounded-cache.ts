import type { KeyValueCache, KeyValueCacheSetOptions } from "@apollo/utils.keyvaluecache";
import { LRUCache } from "lru-cache";

/** A per-process cache with a byte budget, as `/metrics` reports it (`cache_size_bytes{cache}`). */
export interface ByteBudget {
  readonly name: string;
  readonly maxBytes: number;
  /** The entries' weight now: never above `maxBytes` (lru-cache evicts the least recently used first). */
  bytes(): number;
  entries(): number;
}

/**
 * A parsed document or a query plan weighs about four times its JSON in the heap (its tokens and location
 * objects; measured in bench/README.md, "Router memory"), so that is what counts against the budget.
 */
export const heapEstimate = (value: unknown): number => 4 * Buffer.byteLength(JSON.stringify(value));

/**
 * An LRU bounded by bytes, as the KeyValueCache Apollo Server and the gateway take (their own
 * InMemoryLRUCache weighs an entry by its JSON alone, a quarter of what a document holds in the heap).
 * An entry heavier than the whole budget is not kept.
 */
export class BoundedCache<V extends {}> implements KeyValueCache<V>, ByteBudget {
  private readonly lru: LRUCache<string, V>;

  constructor(
    readonly name: string,
    readonly maxBytes: number,
    weigh: (value: V, key: string) => number,
  ) {
    this.lru = new LRUCache<string, V>({
      maxSize: maxBytes,
      sizeCalculation: (value, key) => Math.max(1, Math.ceil(weigh(value, key))),
    });
  }

  async get(key: string): Promise<V | undefined> {
    return this.lru.get(key);
  }

  async set(key: string, value: V, options?: KeyValueCacheSetOptions): Promise<void> {
    this.lru.set(key, value, options?.ttl ? { ttl: options.ttl * 1000 } : undefined);
  }

  async delete(key: string): Promise<boolean> {
    return this.lru.delete(key);
  }

  clear(): void {
    this.lru.clear();
  }

  /** The keys held, most recently used first. */
  keys(): string[] {
    return [...this.lru.keys()];
  }

  has(key: string): boolean {
    return this.lru.has(key);
  }

  bytes(): number {
    return this.lru.calculatedSize;
  }

  entries(): number {
    return this.lru.size;
  }
}
