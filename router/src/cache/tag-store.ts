import type { RedisClientType } from "@keyv/redis";
import DataLoader from "dataloader";
import { LRUCache } from "lru-cache";
import type { ByteBudget } from "../process/bounded-cache.ts";

/**
 * Versioned tags: the invalidation index. Every tag has a generation number; purging a tag sets it to
 * a new value of a counter that only grows (so a tag key that expired and comes back never repeats an
 * old number).
 * A cached response records the generations of its tags when it was written, and is served only while
 * they are all unchanged, so a purge takes effect at once everywhere — on every router replica reading
 * the same Redis — without finding and deleting the entries themselves.
 *
 * Two more numbers guard against races and outages:
 *   - `generation` is bumped by every purge. A response whose execution overlapped a purge is not
 *     written at all (it may hold data read before the write it would then outlive).
 *   - `epoch` is bumped when a purge could not be recorded (Redis was down): every entry written before
 *     is then invalid, since any of them might be stale.
 */
export interface TagStore {
  /** The purge counter, read when an execution starts. */
  generation(): Promise<number>;
  /** The state a response being written must record; null if a purge happened since `since`. */
  snapshotForWrite(tags: string[], since: number): Promise<{ epoch: number; tags: Record<string, number> } | null>;
  /** Whether a cached response's recorded state is still current. */
  isCurrent(epoch: number, tags: Record<string, number>): Promise<boolean>;
  purge(tags: string[]): Promise<void>;
  /** Invalidates every cached response (after a purge that could not be recorded). */
  bumpEpoch(): Promise<void>;
}

/**
 * For a single router without Redis. A purged tag's generation is kept as long as an entry written
 * before the purge can live (`ttlMs`): forgotten later, it reads 0, which no entry written since
 * recorded. Over `maxBytes` (a flood of purges) the least recently used goes, and the epoch with it,
 * since an entry from before that purge could otherwise be served again.
 */
export class MemoryTagStore implements TagStore, ByteBudget {
  readonly name = "response_cache_tags";
  readonly maxBytes: number;
  private readonly tags: LRUCache<string, number>;
  private counter = 0;
  private epoch = 0;

  constructor(options: { maxBytes: number; ttlMs: number } = { maxBytes: 8 * 2 ** 20, ttlMs: 360_000 }) {
    this.maxBytes = options.maxBytes;
    this.tags = new LRUCache<string, number>({
      maxSize: options.maxBytes,
      // The key, and a map entry's own weight.
      sizeCalculation: (_, tag) => tag.length + 64,
      ttl: options.ttlMs,
      dispose: (_, __, reason) => {
        if (reason === "evict") this.epoch++;
      },
    });
  }

  bytes(): number {
    return this.tags.calculatedSize;
  }

  entries(): number {
    return this.tags.size;
  }

  async generation() {
    return this.counter;
  }
  async snapshotForWrite(tags: string[], since: number) {
    if (this.counter !== since) return null;
    return { epoch: this.epoch, tags: Object.fromEntries(tags.map((tag) => [tag, this.tags.get(tag) ?? 0])) };
  }
  async isCurrent(epoch: number, tags: Record<string, number>) {
    if (epoch !== this.epoch) return false;
    // Checked on every cache hit, and an entry can carry dozens of tags: a plain loop, not
    // Object.entries, which allocated an array per tag (about a twentieth of a hit's garbage).
    for (const tag in tags) if ((this.tags.get(tag) ?? 0) !== tags[tag]) return false;
    return true;
  }
  async purge(tags: string[]) {
    this.counter++;
    for (const tag of tags) this.tags.set(tag, this.counter);
  }
  async bumpEpoch() {
    this.epoch++;
    this.counter++;
  }
}

/** Keys read by one MGET at most (see RedisTagStore's checks). */
const MAX_KEYS_PER_READ = 10_000;

const PURGE_SCRIPT = `
local generation = redis.call('INCR', KEYS[1])
for i = 2, #KEYS do redis.call('SET', KEYS[i], generation, 'EX', ARGV[1]) end
return generation`;

/** Shared by every router replica. Tag keys expire once no cached response can still refer to them. */
export class RedisTagStore implements TagStore {
  constructor(
    private readonly client: RedisClientType,
    private readonly prefix: string,
    private readonly tagTtlSeconds: number,
  ) {}

  private readonly generationKey = () => `${this.prefix}generation`;
  private readonly epochKey = () => `${this.prefix}epoch`;
  private readonly tagKey = (tag: string) => `${this.prefix}tag:${tag}`;

  async generation() {
    return Number((await this.client.get(this.generationKey())) ?? 0);
  }

  async snapshotForWrite(tags: string[], since: number) {
    // One MGET: the counter and the tags are read at the same instant.
    const values = await this.client.mGet([this.generationKey(), this.epochKey(), ...tags.map(this.tagKey)]);
    if (Number(values[0] ?? 0) !== since) return null;
    return {
      epoch: Number(values[1] ?? 0),
      tags: Object.fromEntries(tags.map((tag, index) => [tag, Number(values[index + 2] ?? 0)])),
    };
  }

  /**
   * The checks of one turn of the event loop are read in one MGET: the epoch and the tags of every check
   * asked for in that turn, each key once: a command per hit was a large part of a Redis-backed hit's cost
   * (bench/README.md, "Several workers"). Each read
   * is still sent after every check it answers was asked for, so a purge that finished before a request
   * arrived is seen by it, as before; no answer is kept between turns (`cache: false`). DataLoader, whose
   * job this is, with its batch scheduled on setImmediate: its default (a microtask) would batch only
   * what one callback asks, and requests arriving together are read in separate callbacks. Checks of
   * the same recorded tags (hits on one entry share its `tags` object) are worked out once per batch: an
   * entry can carry hundreds of tags.
   */
  private readonly checks = new DataLoader<{ epoch: number; tags: Record<string, number> }, boolean>(
    async (checks) => {
      const distinct = [...new Set(checks.map((check) => check.tags))];
      const lists = distinct.map((tags) => this.keysOf(tags));
      const keys =
        lists.length === 1
          ? (lists[0] as string[])
          : [this.epochKey(), ...new Set(lists.flatMap((list) => list.slice(1)))];
      const read = new Map<string, string | null>();
      // Read in pieces: one MGET of a hundred thousand keys (a turn's hits on many entries of many tags)
      // would hold Redis, for every other client, while it answers. All are still sent after the checks.
      for (let start = 0; start < keys.length; start += MAX_KEYS_PER_READ) {
        const piece = keys.slice(start, start + MAX_KEYS_PER_READ);
        const values = await this.client.mGet(piece);
        for (const [index, key] of piece.entries()) read.set(key, values[index] ?? null);
      }
      const epoch = Number(read.get(this.epochKey()) ?? 0);
      // A list's keys are in the order of its tags' names (see keysOf), after the epoch's.
      const current = new Map(
        distinct.map((tags, index) => [
          tags,
          Object.keys(tags).every(
            (tag, at) => Number(read.get((lists[index] as string[])[at + 1] as string) ?? 0) === tags[tag],
          ),
        ]),
      );
      return checks.map((check) => check.epoch === epoch && current.get(check.tags) === true);
    },
    { cache: false, batchScheduleFn: (run) => setImmediate(run), maxBatchSize: 1024 },
  );

  /** The keys a check of `tags` reads (the epoch's first), kept while the entry's tags object lives. */
  private readonly keyLists = new WeakMap<Record<string, number>, string[]>();
  private keysOf(tags: Record<string, number>): string[] {
    let keys = this.keyLists.get(tags);
    if (!keys) {
      keys = [this.epochKey(), ...Object.keys(tags).map(this.tagKey)];
      this.keyLists.set(tags, keys);
    }
    return keys;
  }

  isCurrent(epoch: number, tags: Record<string, number>) {
    // An entry whose recorded tags are not an object (a damaged or foreign value in the store) is not
    // current; checked here, so it cannot fail the batch of every other check of its turn.
    if (typeof tags !== "object" || tags === null || Array.isArray(tags)) return Promise.resolve(false);
    return this.checks.load({ epoch, tags });
  }

  async purge(tags: string[]) {
    // Atomic: no reader sees the counter bumped but some tags not yet.
    await this.client.eval(PURGE_SCRIPT, {
      keys: [this.generationKey(), ...tags.map(this.tagKey)],
      arguments: [String(this.tagTtlSeconds)],
    });
  }

  async bumpEpoch() {
    await this.client.multi().incr(this.epochKey()).incr(this.generationKey()).exec();
  }
}
