import type { RedisClientType } from "@keyv/redis";
import { afterAll, describe, expect, it, vi } from "vitest";
import { MemoryTagStore, RedisTagStore } from "./tag-store.ts";
import { testRedis } from "./testing.ts";

// The tag store replicas share, on the real Redis. Checks asked for in one turn of the event loop are
// read together; each must get the answer it would have got alone, and see every purge that finished
// before it was asked.

const redis = await testRedis("tag-store");

describe.runIf(redis)("RedisTagStore", () => {
  const client = redis?.client as RedisClientType;
  afterAll(() => redis?.close());

  /** What an entry written now records for `tags`. */
  async function written(store: RedisTagStore, tags: string[]) {
    const snapshot = await store.snapshotForWrite(tags, await store.generation());
    if (!snapshot) throw new Error("a purge overlapped the write");
    return snapshot;
  }

  it("answers checks asked for at once as one by one, with one read", async () => {
    const store = new RedisTagStore(client, `${redis?.prefix}a:`, 600);
    await store.purge(["Product:1"]);
    const stale = await written(store, ["Product:1", "Product"]);
    await store.purge(["Product"]);
    const current = await written(store, ["Product:1", "Product"]);
    // Generations that differ from each other and from 0 (a missing key), so that a value read for the
    // wrong key shows.
    await store.purge(["User:7"]);
    const other = await written(store, ["User:7"]);
    const reviews = Array.from({ length: 300 }, (_, index) => `Review:${index}`);
    for (const [index, review] of reviews.entries()) if (index % 7 === 0) await store.purge([review]);
    const many = await written(store, reviews);
    const overlapping = await written(store, ["Product", "User:7"]);
    const reads = vi.spyOn(client, "mGet");
    try {
      const answers = await Promise.all([
        store.isCurrent(stale.epoch, stale.tags),
        store.isCurrent(current.epoch, current.tags),
        store.isCurrent(other.epoch, other.tags),
        // The same recorded tags again (hits on one entry), and once under an epoch that is not current.
        store.isCurrent(current.epoch, current.tags),
        store.isCurrent(current.epoch + 1, current.tags),
        store.isCurrent(overlapping.epoch, overlapping.tags),
        store.isCurrent(many.epoch, many.tags),
        // Tags recorded wrongly: the review generations shifted by one place.
        store.isCurrent(
          many.epoch,
          Object.fromEntries(
            reviews.map((review, index) => [
              review,
              many.tags[reviews[(index + 1) % reviews.length] as string] as number,
            ]),
          ),
        ),
        // A damaged entry's tags: not current, and the others of its turn still answered.
        store.isCurrent(current.epoch, null as unknown as Record<string, number>),
      ]);
      expect(answers).toEqual([false, true, true, true, false, true, true, false, false]);
      expect(reads).toHaveBeenCalledTimes(1);
    } finally {
      reads.mockRestore();
    }
  });

  it("sees a purge that finished before the check was asked, for every entry carrying the tag", async () => {
    const store = new RedisTagStore(client, `${redis?.prefix}b:`, 600);
    const product = await written(store, ["Product:2", "Product"]);
    const user = await written(store, ["User:8"]);
    const both = await written(store, ["Product:2", "User:8"]);
    await store.purge(["User:8"]);
    const answers = await Promise.all([
      store.isCurrent(product.epoch, product.tags),
      store.isCurrent(user.epoch, user.tags),
      store.isCurrent(both.epoch, both.tags),
    ]);
    expect(answers).toEqual([true, false, false]);
    await store.bumpEpoch();
    expect(await store.isCurrent(product.epoch, product.tags)).toBe(false);
  });

  it("answers the same entry's check again after a purge, alone in its turn", async () => {
    const store = new RedisTagStore(client, `${redis?.prefix}d:`, 600);
    const entry = await written(store, ["Post:4", "Post"]);
    expect(await store.isCurrent(entry.epoch, entry.tags)).toBe(true);
    await store.purge(["Post"]);
    expect(await store.isCurrent(entry.epoch, entry.tags)).toBe(false);
  });

  it("reads a turn's keys in pieces when there are very many, with the same answers", async () => {
    const store = new RedisTagStore(client, `${redis?.prefix}e:`, 600);
    const tags = Array.from({ length: 12_000 }, (_, index) => `Item:${index}`);
    await store.purge(tags.slice(0, 6_000));
    const entry = await written(store, tags);
    await store.purge(["Item:11999"]);
    const fresh = await written(store, tags);
    const reads = vi.spyOn(client, "mGet");
    try {
      expect(
        await Promise.all([store.isCurrent(entry.epoch, entry.tags), store.isCurrent(fresh.epoch, fresh.tags)]),
      ).toEqual([false, true]);
      expect(reads).toHaveBeenCalledTimes(2);
    } finally {
      reads.mockRestore();
    }
  });

  it("fails every check of a read that failed", async () => {
    const prefix = `${redis?.prefix}c:`;
    const entry = await written(new RedisTagStore(client, prefix, 600), ["Post:3"]);
    // A connection of its own, which goes away before the batch is read.
    const lost = client.duplicate({
      disableOfflineQueue: true,
      socket: { reconnectStrategy: false },
    }) as RedisClientType;
    lost.on("error", () => {});
    await lost.connect();
    const store = new RedisTagStore(lost, prefix, 600);
    const answers = Promise.allSettled([
      store.isCurrent(entry.epoch, entry.tags),
      store.isCurrent(entry.epoch, entry.tags),
    ]);
    lost.destroy();
    expect((await answers).map((answer) => answer.status)).toEqual(["rejected", "rejected"]);
  });
});

describe("MemoryTagStore", () => {
  it("stays within its byte budget under a flood of purges, and then serves no entry from before them", async () => {
    const store = new MemoryTagStore({ maxBytes: 4096, ttlMs: 60_000 });
    const before = await store.snapshotForWrite(["Product:1"], await store.generation());
    if (!before) throw new Error("a purge overlapped the write");
    await store.purge(["Product:1"]);
    expect(await store.isCurrent(before.epoch, before.tags)).toBe(false);
    for (let index = 2; index < 500; index++) await store.purge([`Product:${index}`]);
    expect(store.bytes()).toBeLessThanOrEqual(4096);
    expect(store.entries()).toBeLessThan(498);
    // Product:1's purge was forgotten to make room: the entry written before it must stay stale.
    expect(await store.isCurrent(before.epoch, before.tags)).toBe(false);
    const after = await store.snapshotForWrite(["Product:1"], await store.generation());
    expect(after && (await store.isCurrent(after.epoch, after.tags))).toBe(true);
  });
});
