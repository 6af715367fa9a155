import type { RedisClientType } from "@keyv/redis";

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

/** For a single router without Redis. */
export class MemoryTagStore implements TagStore {
  private readonly tags = new Map<string, number>();
  private counter = 0;
  private epoch = 0;

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
    return { epoch: Number(values[1] ?? 0), tags: Object.fromEntries(tags.map((tag, index) => [tag, Number(values[index + 2] ?? 0)])) };
  }

  async isCurrent(epoch: number, tags: Record<string, number>) {
    const names = Object.keys(tags);
    const values = await this.client.mGet([this.epochKey(), ...names.map(this.tagKey)]);
    if (Number(values[0] ?? 0) !== epoch) return false;
    return names.every((tag, index) => Number(values[index + 1] ?? 0) === tags[tag]);
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
