import { afterEach, describe, expect, it, vi } from "vitest";
import { createCompression } from "../compression.ts";
import { FastPath, fastKey } from "./fast-path.ts";
import { TaggedResponseCache } from "./tagged-cache.ts";
import { hitFor, memoryCacheStore } from "./testing.ts";

const REQUEST = { query: "{ products { id } }" };
const KEY = fastKey("public", REQUEST) as string;

afterEach(() => {
  vi.useRealTimers();
});

describe("a refresh's write", () => {
  /** A hot entry in its refresh window, claimed by one request, and the response cache's store. */
  async function claimed() {
    vi.useFakeTimers({ toFake: ["Date"] });
    const store = memoryCacheStore();
    const fastPath = new FastPath(store, createCompression({ enabled: false, minBytes: 1024 }));
    const cache = new TaggedResponseCache(store.raw, store.tags, store.health, { maxEntryBytes: 1_000_000, maxTtlSeconds: 300 }, fastPath);
    await fastPath.remember(KEY, { e: 0, t: {}, at: Date.now() - 55_000, cc: "max-age=60, public", op: null, ttl: 60 }, "{}");
    const hit = () => hitFor(fastPath, REQUEST);
    const claim = await fastPath.claimRefresh(await hit());
    if (!claim) throw new Error("not claimed");
    // What the plugin hands the store for the refresh's response, from the purge counter when it started.
    const write = async (generation: number) => {
      cache.pending.set("entry", { typeTags: [], generation, data: {}, fast: { key: KEY, body: "{}", cacheControl: "max-age=60, public", operationName: null }, refresh: claim });
      await cache.set("entry", "{}", { ttl: 60 });
    };
    const claimsAfterRetry = async () => {
      vi.setSystemTime(Date.now() + 1_100);
      return (await fastPath.claimRefresh(await hit())) !== null;
    };
    return { store, write, hit, claimsAfterRetry };
  }

  it("gives the claim back when it stores nothing (a purge ran meanwhile), for another request to try again", async () => {
    const { store, write, claimsAfterRetry } = await claimed();
    const generation = await store.tags.generation();
    await store.tags.purge(["Unrelated"]);
    await write(generation);
    expect(await claimsAfterRetry()).toBe(true);
  });

  it("keeps it when it stored the new version", async () => {
    const { store, write, hit, claimsAfterRetry } = await claimed();
    await write(await store.tags.generation());
    expect((await hit()).age).toBe(0);
    expect(await claimsAfterRetry()).toBe(false);
  });
});
