import { createLogger } from "@supergraph/kit";
import { describe, expect, it } from "vitest";
import { createCompression } from "../compression.ts";
import { FastPath, type FastEntryMeta, fastKey } from "./fast-path.ts";
import { createCacheStore } from "./store.ts";

const REQUEST = { query: "{ products { id } }" };
const KEY = fastKey("public", REQUEST) as string;

function fastPath() {
  const logger = createLogger("router", "silent", { write: () => {} });
  const store = createCacheStore({ redisUrl: undefined, keyPrefix: "t:", timeoutMs: 100, maxTtlSeconds: 300, logger });
  return new FastPath(store.raw, store.tags, store.health, createCompression({ enabled: false, minBytes: 1024 }));
}
const meta = (ageSeconds: number, ttl?: number): FastEntryMeta => ({ e: 0, t: {}, at: Date.now() - ageSeconds * 1000, cc: "max-age=60, public", op: null, ttl });

describe("refreshing hot entries", () => {
  it("is taken on by one request per version of an entry, in its last tenth of life (at most 10 s)", async () => {
    const path = fastPath();
    await path.remember(KEY, meta(53, 60), "{}", 60);
    expect(path.claimRefresh((await path.lookup(null, REQUEST))!)).toBe(false);
    await path.remember(KEY, meta(55, 60), "{}", 60);
    expect(path.claimRefresh((await path.lookup(null, REQUEST))!)).toBe(true);
    expect(path.claimRefresh((await path.lookup(null, REQUEST))!)).toBe(false);
    // A long life: the last 10 s, not the last tenth.
    await path.remember(KEY, meta(280, 300), "{}", 300);
    expect(path.claimRefresh((await path.lookup(null, REQUEST))!)).toBe(false);
    await path.remember(KEY, meta(291, 300), "{}", 300);
    expect(path.claimRefresh((await path.lookup(null, REQUEST))!)).toBe(true);
  });

  it("is not taken on again by a request that read the old version after the new one was stored", async () => {
    const path = fastPath();
    await path.remember(KEY, meta(55, 60), "{}", 60);
    const [first, late] = [(await path.lookup(null, REQUEST))!, (await path.lookup(null, REQUEST))!];
    expect(path.claimRefresh(first)).toBe(true);
    // The refresh is stored; a request that had the old version in hand (with Redis, its tags check is a
    // round trip) asks only now.
    await path.remember(KEY, meta(0, 60), "{}", 60);
    expect(path.claimRefresh(late)).toBe(false);
  });

  it("never refreshes an entry that does not say its lifetime (written by an older router)", async () => {
    const path = fastPath();
    await path.remember(KEY, meta(59), "{}", 60);
    expect(path.claimRefresh((await path.lookup(null, REQUEST))!)).toBe(false);
  });
});
