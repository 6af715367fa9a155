import { createLogger } from "@supergraph/kit";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createCompression } from "../compression.ts";
import { FastPath, type FastEntryMeta, type FastHit, fastKey } from "./fast-path.ts";
import { createCacheStore } from "./store.ts";

const REQUEST = { query: "{ products { id } }" };
const KEY = fastKey("public", REQUEST) as string;

function fastPath() {
  const logger = createLogger("router", "silent", { write: () => {} });
  const store = createCacheStore({ redisUrl: undefined, keyPrefix: "t:", timeoutMs: 100, maxTtlSeconds: 300, logger });
  const path = new FastPath(store.raw, store.tags, store.health, createCompression({ enabled: false, minBytes: 1024 }));
  // A version of the entry written `ageSeconds` ago, living `ttl` seconds; without one, as an older router
  // wrote it into the shared store.
  const write = async (ageSeconds: number, ttl?: number) => {
    const meta: FastEntryMeta = { e: 0, t: {}, at: Date.now() - ageSeconds * 1000, cc: "max-age=60, public", op: null };
    if (ttl === undefined) await store.raw.set(KEY, `${JSON.stringify(meta)}\n{}`, { ttl: 60 });
    else await path.remember(KEY, { ...meta, ttl }, "{}");
  };
  const hit = async (): Promise<FastHit> => {
    const found = await path.lookup(null, REQUEST);
    if (!found) throw new Error("not served");
    return found;
  };
  return { path, write, hit };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("refreshing hot entries", () => {
  it("is taken on in an entry's last tenth of life (at most its last 10 s), by one request per version", async () => {
    const { path, write, hit } = fastPath();
    await write(53, 60);
    expect(path.claimRefresh(await hit())).toBe(false);
    await write(55, 60);
    expect(path.claimRefresh(await hit())).toBe(true);
    expect(path.claimRefresh(await hit())).toBe(false);
    // Another version of the same entry, in its own window: claimed anew.
    await write(56, 60);
    expect(path.claimRefresh(await hit())).toBe(true);
    // A long life: the last 10 s, not the last tenth.
    await write(280, 300);
    expect(path.claimRefresh(await hit())).toBe(false);
    await write(291, 300);
    expect(path.claimRefresh(await hit())).toBe(true);
  });

  it("is not taken on again by a request that read the old version after the new one was stored", async () => {
    const { path, write, hit } = fastPath();
    await write(55, 60);
    const [first, late] = [await hit(), await hit()];
    expect(path.claimRefresh(first)).toBe(true);
    // The refresh is stored; a request that had the old version in hand (with Redis, its tags check is a
    // round trip) asks only now.
    await write(0, 60);
    expect(path.claimRefresh(late)).toBe(false);
  });

  it("is taken on again after a while when the version is still there (the refresh stored nothing)", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const { path, write, hit } = fastPath();
    await write(55, 60);
    expect(path.claimRefresh(await hit())).toBe(true);
    vi.setSystemTime(Date.now() + 900);
    expect(path.claimRefresh(await hit())).toBe(false);
    // A quarter of the 6 s window, at most 1 s.
    vi.setSystemTime(Date.now() + 200);
    expect(path.claimRefresh(await hit())).toBe(true);
    expect(path.claimRefresh(await hit())).toBe(false);
  });

  it("never refreshes an entry that does not say its lifetime (written by an older router)", async () => {
    const { path, write, hit } = fastPath();
    await write(59);
    expect(path.claimRefresh(await hit())).toBe(false);
  });
});
