import { afterEach, describe, expect, it, vi } from "vitest";
import { createCompression } from "../compression.ts";
import { type FastEntryMeta, type FastHit, FastPath, fastKey } from "./fast-path.ts";
import type { CacheStore } from "./store.ts";
import { hitFor, memoryCacheStore } from "./testing.ts";

const REQUEST = { query: "{ products { id } }" };
const KEY = fastKey("public", REQUEST) as string;

/** A router's fast path on `store` (by default a store of its own; two routers may share one). */
function fastPath(store: ConstructorParameters<typeof FastPath>[0] & Pick<CacheStore, "raw" | "claim"> = memoryCacheStore(), compression = false) {
  const path = new FastPath(store, createCompression({ enabled: compression, minBytes: 1 }));
  // A version of the entry written `ageSeconds` ago, living `ttl` seconds; without one, as an older router
  // wrote it into the shared store.
  const write = async (ageSeconds: number, ttl?: number) => {
    const meta: FastEntryMeta = { e: 0, t: {}, at: Date.now() - ageSeconds * 1000, cc: "max-age=60, public", op: null };
    if (ttl === undefined) await store.raw.set(KEY, `${JSON.stringify(meta)}\n{}`, { ttl: 60 });
    else await path.remember(KEY, { ...meta, ttl }, "{}");
  };
  const hit = () => hitFor(path, REQUEST);
  /** Whether a request that got this hit is to refresh its entry. */
  const claims = async (found: FastHit) => (await path.claimRefresh(found)) !== null;
  return { path, write, hit, claims, store };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("refreshing hot entries", () => {
  it("is taken on in an entry's last tenth of life (at most its last 10 s), by one request per version", async () => {
    const { path, write, hit, claims } = fastPath();
    await write(53, 60);
    // Outside the window: no claim, and no promise either (most hits).
    expect(path.claimRefresh(await hit())).toBeNull();
    await write(55, 60);
    expect(await claims(await hit())).toBe(true);
    expect(await claims(await hit())).toBe(false);
    // A newer version of the same entry, in its own window: claimed anew.
    await write(54.5, 60);
    expect(await claims(await hit())).toBe(true);
    // A long life: the last 10 s, not the last tenth.
    await write(280, 300);
    expect(await claims(await hit())).toBe(false);
    await write(291, 300);
    expect(await claims(await hit())).toBe(true);
  });

  it("is held while the refresh runs, however long, and after it stored the new version", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const { write, hit, claims } = fastPath();
    await write(55, 60);
    const [first, late] = [await hit(), await hit()];
    expect(await claims(first)).toBe(true);
    // A slow execution: past any retry interval, still held.
    vi.setSystemTime(Date.now() + 3_000);
    expect(await claims(await hit())).toBe(false);
    // The refresh is stored; a request that had the old version in hand (with Redis, its tags check is a
    // round trip) asks only now.
    await write(0, 60);
    expect(await claims(late)).toBe(false);
  });

  it("is given back by a refresh that stored nothing, for another request to try again a moment later", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const { path, write, hit, claims } = fastPath();
    await write(55, 60);
    const claim = await path.claimRefresh(await hit());
    if (!claim) throw new Error("not claimed");
    path.refreshStoredNothing(claim);
    expect(await claims(await hit())).toBe(false);
    // A quarter of the 6 s window, at most 1 s.
    vi.setSystemTime(Date.now() + 1_100);
    expect(await claims(await hit())).toBe(true);
    expect(await claims(await hit())).toBe(false);
  });

  it("never refreshes an entry that does not say its lifetime (written by an older router)", async () => {
    const { path, write, hit } = fastPath();
    await write(59);
    expect(path.claimRefresh(await hit())).toBeNull();
  });

  it("is taken on by one router of those sharing a store; the others serve the refreshed version once it is stored", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const one = fastPath();
    const other = fastPath(one.store);
    await one.write(55, 60);
    const [mine, theirs] = [await one.hit(), await other.hit()];
    expect(await one.claims(mine)).toBe(true);
    // Its own first claim of this version, but another router has it.
    expect(await other.claims(theirs)).toBe(false);
    expect(theirs.age).toBe(55);
    await one.write(0, 60);
    // After one retry interval the other router reads the entry again, and serves the new version.
    vi.setSystemTime(Date.now() + 1_100);
    const after = await other.hit();
    expect(after.age).toBe(1);
    expect(await other.claims(after)).toBe(false);
  });

  it("is given back across routers too", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const one = fastPath();
    const other = fastPath(one.store);
    await one.write(55, 60);
    const claim = await one.path.claimRefresh(await one.hit());
    if (!claim) throw new Error("not claimed");
    expect(await other.claims(await other.hit())).toBe(false);
    one.path.refreshStoredNothing(claim);
    await vi.waitFor(() => expect(one.store.claim(`refresh:${claim.key}:${claim.at}`, 1)).resolves.toBe(false));
    vi.setSystemTime(Date.now() + 1_100);
    expect(await other.claims(await other.hit())).toBe(true);
  });

  it("falls back to this router's own claim when the store cannot take one", async () => {
    const store = memoryCacheStore();
    const { write, hit, claims } = fastPath({ ...store, claim: () => Promise.reject(new Error("Redis is down")) });
    await write(55, 60);
    expect(await claims(await hit())).toBe(true);
    expect(await claims(await hit())).toBe(false);
  });

  it("keeps a copy read again in the window while it is still the stored version, compressed forms and all", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const one = fastPath();
    const other = fastPath(one.store, true);
    await one.write(55, 60);
    const first = await other.hit();
    const compressed = await other.path.encoded(first, "br");
    vi.setSystemTime(Date.now() + 1_100);
    const again = await other.hit();
    expect(again.entry).toBe(first.entry);
    expect(await other.path.encoded(again, "br")).toBe(compressed);
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

  it("that lapsed are read again from the store once for all the requests arriving meanwhile", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const one = fastPath();
    const other = fastPath(one.store);
    await one.write(0, 60);
    const reads = vi.spyOn(one.store.raw, "get");
    const first = await other.hit();
    expect(reads).toHaveBeenCalledTimes(1);
    // Past the copy's few seconds (LOCAL_COPY_MS): requests arriving together, one read between them.
    vi.setSystemTime(Date.now() + 5_100);
    const hits = await Promise.all(Array.from({ length: 10 }, () => other.hit()));
    expect(reads).toHaveBeenCalledTimes(2);
    for (const found of hits) expect(found.entry).toBe(first.entry);
    // And read again at the next lapse, not kept from the first read.
    vi.setSystemTime(Date.now() + 5_100);
    await other.hit();
    expect(reads).toHaveBeenCalledTimes(3);
  });

  it("count their recorded tags against the copies' budget, not only their bytes", async () => {
    const store = memoryCacheStore();
    const path = new FastPath(store, createCompression({ enabled: false, minBytes: 1 }));
    // Small answers carrying many tags: 25 entries of ~1 MB of tags each, past the 64 MB budget once
    // their tags are counted (each copy also holds them parsed, and the tag store a key list for them).
    const tags = Object.fromEntries(Array.from({ length: 60_000 }, (_, index) => [`Review:${index}`, 0]));
    const requests = Array.from({ length: 25 }, (_, index) => ({ query: `{ reviews(page: ${index}) { id } }` }));
    for (const request of requests) {
      await path.remember(fastKey("public", request) as string, { e: 0, t: tags, at: Date.now(), cc: "max-age=60, public", op: null, ttl: 60 }, "{}");
    }
    const reads = vi.spyOn(store.raw, "get");
    await hitFor(path, requests[24] as (typeof requests)[number]);
    expect(reads).not.toHaveBeenCalled();
    // The oldest copy made room: read from the store again.
    await hitFor(path, requests[0] as (typeof requests)[number]);
    expect(reads).toHaveBeenCalledTimes(1);
  });
});
