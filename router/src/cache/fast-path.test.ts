import { createLogger } from "@supergraph/kit";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createCompression } from "../compression.ts";
import { FastPath, type FastEntryMeta, type FastHit, fastKey } from "./fast-path.ts";
import { createCacheStore } from "./store.ts";

const REQUEST = { query: "{ products { id } }" };
const KEY = fastKey("public", REQUEST) as string;

const memoryStore = () =>
  createCacheStore({ redisUrl: undefined, keyPrefix: "t:", timeoutMs: 100, maxTtlSeconds: 300, logger: createLogger("router", "silent", { write: () => {} }) });

/** A router's fast path on `store` (by default a store of its own; two routers may share one). */
function fastPath(store = memoryStore()) {
  const path = new FastPath(store, createCompression({ enabled: false, minBytes: 1024 }));
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
  return { path, write, hit, store };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("refreshing hot entries", () => {
  it("is taken on in an entry's last tenth of life (at most its last 10 s), by one request per version", async () => {
    const { path, write, hit } = fastPath();
    await write(53, 60);
    expect(await path.claimRefresh(await hit())).toBe(false);
    await write(55, 60);
    expect(await path.claimRefresh(await hit())).toBe(true);
    expect(await path.claimRefresh(await hit())).toBe(false);
    // Another version of the same entry, in its own window: claimed anew.
    await write(56, 60);
    expect(await path.claimRefresh(await hit())).toBe(true);
    // A long life: the last 10 s, not the last tenth.
    await write(280, 300);
    expect(await path.claimRefresh(await hit())).toBe(false);
    await write(291, 300);
    expect(await path.claimRefresh(await hit())).toBe(true);
  });

  it("is not taken on again by a request that read the old version after the new one was stored", async () => {
    const { path, write, hit } = fastPath();
    await write(55, 60);
    const [first, late] = [await hit(), await hit()];
    expect(await path.claimRefresh(first)).toBe(true);
    // The refresh is stored; a request that had the old version in hand (with Redis, its tags check is a
    // round trip) asks only now.
    await write(0, 60);
    expect(await path.claimRefresh(late)).toBe(false);
  });

  it("is taken on again after a while when the version is still there (the refresh stored nothing)", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const { path, write, hit } = fastPath();
    await write(55, 60);
    expect(await path.claimRefresh(await hit())).toBe(true);
    vi.setSystemTime(Date.now() + 900);
    expect(await path.claimRefresh(await hit())).toBe(false);
    // A quarter of the 6 s window, at most 1 s.
    vi.setSystemTime(Date.now() + 200);
    expect(await path.claimRefresh(await hit())).toBe(true);
    expect(await path.claimRefresh(await hit())).toBe(false);
  });

  it("never refreshes an entry that does not say its lifetime (written by an older router)", async () => {
    const { path, write, hit } = fastPath();
    await write(59);
    expect(await path.claimRefresh(await hit())).toBe(false);
  });

  it("is taken on by one router of those sharing a store; the others serve the refreshed version once it is stored", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const one = fastPath();
    const other = fastPath(one.store);
    await one.write(55, 60);
    const [mine, theirs] = [await one.hit(), await other.hit()];
    expect(await one.path.claimRefresh(mine)).toBe(true);
    // Its own first claim of this version, but another router has it.
    expect(await other.path.claimRefresh(theirs)).toBe(false);
    expect(theirs.age).toBe(55);
    await one.write(0, 60);
    // Past the claims' retry interval: the other router reads the entry again rather than refreshing the
    // version it held, which the shared claim would now let it do.
    vi.setSystemTime(Date.now() + 1_100);
    const after = await other.hit();
    expect(after.age).toBe(1);
    expect(await other.path.claimRefresh(after)).toBe(false);
  });

  it("keeps a copy read again in the window while it is still the stored version, compressed forms and all", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const one = fastPath();
    const other = fastPath(one.store);
    await one.write(55, 60);
    const first = await other.hit();
    vi.setSystemTime(Date.now() + 1_100);
    expect((await other.hit()).entry).toBe(first.entry);
  });
});

describe("copies of an entry", () => {
  it("are not served past the entry's end, whichever router holds them", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const one = fastPath();
    const other = fastPath(one.store);
    await one.write(59.5, 60);
    await other.hit();
    vi.setSystemTime(Date.now() + 600);
    expect(await one.path.lookup(null, REQUEST)).toBeNull();
    expect(await other.path.lookup(null, REQUEST)).toBeNull();
  });
});
