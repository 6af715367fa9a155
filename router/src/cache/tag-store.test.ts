import type { RedisClientType } from "@keyv/redis";
import { afterAll, describe, expect, it, vi } from "vitest";
import { RedisTagStore } from "./tag-store.ts";
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
    const other = await written(store, ["User:7"]);
    const overlapping = await written(store, ["Product", "User:7"]);
    const many = await written(store, Array.from({ length: 300 }, (_, index) => `Review:${index}`));
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
      ]);
      expect(answers).toEqual([false, true, true, true, false, true, true]);
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
    const answers = await Promise.all([store.isCurrent(product.epoch, product.tags), store.isCurrent(user.epoch, user.tags), store.isCurrent(both.epoch, both.tags)]);
    expect(answers).toEqual([true, false, false]);
    await store.bumpEpoch();
    expect(await store.isCurrent(product.epoch, product.tags)).toBe(false);
  });

  it("fails every check of a read that failed", async () => {
    const prefix = `${redis?.prefix}c:`;
    const entry = await written(new RedisTagStore(client, prefix, 600), ["Post:3"]);
    // A connection of its own, which goes away before the batch is read.
    const lost = client.duplicate({ disableOfflineQueue: true, socket: { reconnectStrategy: false } }) as RedisClientType;
    lost.on("error", () => {});
    await lost.connect();
    const store = new RedisTagStore(lost, prefix, 600);
    const answers = Promise.allSettled([store.isCurrent(entry.epoch, entry.tags), store.isCurrent(entry.epoch, entry.tags)]);
    lost.destroy();
    expect((await answers).map((answer) => answer.status)).toEqual(["rejected", "rejected"]);
  });
});
