import { createHash } from "node:crypto";
import { buildSchema } from "graphql";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createCompression } from "../http/compression.ts";
import {
  type CacheRequest,
  entryKey,
  type Hit,
  ResponseCache,
  type Scope,
  schemaFingerprint,
  scopeOf,
  type Write,
} from "./response-cache.ts";
import type { CacheStore } from "./store.ts";
import { hitFor, memoryCacheStore } from "./testing.ts";

const SCHEMA = buildSchema("type Query { products: [Int] reviews(page: Int): [Int] }");
const LIMITS = { depth: 12 };
const REQUEST = { query: "{ products }" };
const KEY = entryKey(schemaFingerprint(SCHEMA, LIMITS), "public:anonymous", REQUEST) as string;

/** What a response to `request` stores, written `ageSeconds` ago and living `ttl` seconds. */
const writeOf = (key: string, write: Partial<Write> = {}): Write => ({
  key,
  body: "{}",
  tags: [],
  generation: 0,
  ttlSeconds: 60,
  cacheControl: "max-age=60, public",
  operationName: null,
  refresh: null,
  ...write,
});

/** Runs `write` as if the clock said `ageSeconds` earlier. */
async function writtenAgo<T>(ageSeconds: number, write: () => Promise<T>): Promise<T> {
  const faked = vi.isFakeTimers();
  if (!faked) vi.useFakeTimers({ toFake: ["Date"] });
  const now = Date.now();
  vi.setSystemTime(now - ageSeconds * 1000);
  try {
    return await write();
  } finally {
    if (faked) vi.setSystemTime(now);
    else vi.useRealTimers();
  }
}

/** A router's response cache on `store` (by default a store of its own; two routers may share one). */
function responseCache(
  store: ConstructorParameters<typeof ResponseCache>[0] & Pick<CacheStore, "raw" | "claim"> = memoryCacheStore(),
  compression = false,
  trusted?: (sha256Hash: string) => boolean,
) {
  const cache = new ResponseCache(store, createCompression({ enabled: compression, minBytes: 1 }), {
    maxEntryBytes: 1024 * 1024,
    maxTtlSeconds: 300,
    rules: () => LIMITS,
    trusted,
  });
  cache.serve(SCHEMA);
  // A version of the entry written `ageSeconds` ago, living `ttl` seconds.
  const write = (ageSeconds: number, ttl: number) =>
    writtenAgo(ageSeconds, () => cache.write(writeOf(KEY, { ttlSeconds: ttl })));
  const hit = () => hitFor(cache, REQUEST);
  /** Whether a request that got this hit is to refresh its entry. */
  const claims = async (found: Hit) => (await cache.claimRefresh(found)) !== null;
  return { path: cache, write, hit, claims, store };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("refreshing hot entries", () => {
  it("is taken on in an entry's last tenth of life (at most its last 10 s), by one request per version", async () => {
    const { path, write, hit, claims } = responseCache();
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
    const { write, hit, claims } = responseCache();
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
    const { path, write, hit, claims } = responseCache();
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

  it("serves nothing from an entry it cannot read (another format, a damaged header)", async () => {
    const { path, store } = responseCache();
    for (const value of ["{}", '{"e":0,"t":{}}\n{}', "not json\n{}"]) {
      await store.raw.set(KEY, value, { ttl: 60 });
      expect(await path.lookup(null, REQUEST)).toBeNull();
    }
  });

  it("is taken on by one router of those sharing a store; the others serve the refreshed version once it is stored", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const one = responseCache();
    const other = responseCache(one.store);
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
    const one = responseCache();
    const other = responseCache(one.store);
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
    const { write, hit, claims } = responseCache({ ...store, claim: () => Promise.reject(new Error("Redis is down")) });
    await write(55, 60);
    expect(await claims(await hit())).toBe(true);
    expect(await claims(await hit())).toBe(false);
  });

  it("keeps a copy read again in the window while it is still the stored version, compressed forms and all", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const one = responseCache();
    const other = responseCache(one.store, true);
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
    const one = responseCache();
    const other = responseCache(one.store);
    await one.write(59.5, 60);
    await other.hit();
    vi.setSystemTime(Date.now() + 600);
    expect(await one.path.lookup(null, REQUEST)).toBeNull();
    expect(await other.path.lookup(null, REQUEST)).toBeNull();
  });

  it("that lapsed are read again from the store once for all the requests arriving meanwhile", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const one = responseCache();
    const other = responseCache(one.store);
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
    const { path, store } = responseCache();
    // Small answers carrying many tags: 25 entries of ~1 MB of tags each, past the 64 MB budget once
    // their tags are counted (each copy also holds them parsed, and the tag store a key list for them).
    const tags = Array.from({ length: 60_000 }, (_, index) => `Review:${index}`);
    const requests = Array.from({ length: 25 }, (_, index) => ({ query: `{ reviews(page: ${index}) }` }));
    for (const request of requests)
      await path.write(
        writeOf(entryKey(schemaFingerprint(SCHEMA, LIMITS), "public:anonymous", request) as string, { tags }),
      );
    const reads = vi.spyOn(store.raw, "get");
    await hitFor(path, requests[24] as (typeof requests)[number]);
    expect(reads).not.toHaveBeenCalled();
    // The oldest copy made room: read from the store again.
    await hitFor(path, requests[0] as (typeof requests)[number]);
    expect(reads).toHaveBeenCalledTimes(1);
  });
});

describe("whose entries are", () => {
  const admin = { userId: "a1", role: "ADMIN" as const };
  const customer = { userId: "c1", role: "CUSTOMER" as const };

  it("shares a public entry among the callers of its class only: the anonymous, or one role", async () => {
    const { path } = responseCache();
    const fingerprint = schemaFingerprint(SCHEMA, LIMITS);
    await path.write(writeOf(entryKey(fingerprint, scopeOf(null, false) as Scope, REQUEST) as string));
    expect(await path.lookup(null, REQUEST)).not.toBeNull();
    expect(await path.lookup(customer, REQUEST)).toBeNull();
    expect(await path.lookup(admin, REQUEST)).toBeNull();
    await path.write(writeOf(entryKey(fingerprint, scopeOf(customer, false) as Scope, REQUEST) as string));
    expect(await path.lookup({ userId: "c2", role: "CUSTOMER" }, REQUEST)).not.toBeNull();
    expect(await path.lookup(admin, REQUEST)).toBeNull();
  });

  it("keeps a private entry for its user in the role it was made for", async () => {
    const { path } = responseCache();
    const fingerprint = schemaFingerprint(SCHEMA, LIMITS);
    await path.write(writeOf(entryKey(fingerprint, scopeOf(customer, true) as Scope, REQUEST) as string));
    expect(await path.lookup(customer, REQUEST)).not.toBeNull();
    expect(await path.lookup({ ...customer, role: "ADMIN" }, REQUEST)).toBeNull();
    expect(await path.lookup({ userId: "c2", role: "CUSTOMER" }, REQUEST)).toBeNull();
    expect(scopeOf(null, true)).toBeNull();
  });
});

describe("automatic persisted queries", () => {
  const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
  const persistedQuery = { version: 1, sha256Hash: sha256(REQUEST.query) };

  it("answers one sent by hash alone only while its document is registered; one sent with it registers it", async () => {
    const { path, write, store } = responseCache();
    await write(0, 60);
    expect(await path.lookup(null, { extensions: { persistedQuery } })).toBeNull();
    expect(await path.lookup(null, { ...REQUEST, extensions: { persistedQuery } })).not.toBeNull();
    await vi.waitFor(async () => expect(await store.raw.get(`apq:${persistedQuery.sha256Hash}`)).toBe(REQUEST.query));
    expect(await path.lookup(null, { extensions: { persistedQuery } })).not.toBeNull();
  });

  it("registers no trusted document (the manifest resolves its id)", async () => {
    const { path, write, store } = responseCache(memoryCacheStore(), false, () => true);
    await write(0, 60);
    expect(await path.lookup(null, { ...REQUEST, extensions: { persistedQuery } })).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await store.raw.get(`apq:${persistedQuery.sha256Hash}`)).toBeUndefined();
  });
});

describe("entries and their keys", () => {
  const fingerprint = schemaFingerprint(SCHEMA, LIMITS);
  const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

  it("are found by the query's hash too (an automatic persisted query, a trusted document sent by its hash)", () => {
    const byHash = { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(REQUEST.query) } } };
    expect(entryKey(fingerprint, "public:anonymous", byHash)).toBe(KEY);
    expect(entryKey(fingerprint, "public:anonymous", { ...byHash, query: REQUEST.query })).toBe(KEY);
  });

  it("differ by scope, operation name and variables, never by how the variables' object was built", () => {
    const keys = [
      KEY,
      entryKey(fingerprint, "private:u1", REQUEST),
      entryKey(fingerprint, "private:u2", REQUEST),
      entryKey(fingerprint, "public:anonymous", { ...REQUEST, operationName: "A" }),
      entryKey(fingerprint, "public:anonymous", { ...REQUEST, operationName: "" }),
      entryKey(fingerprint, "public:anonymous", { ...REQUEST, variables: { page: 1 } }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    expect(entryKey(fingerprint, "public:anonymous", { ...REQUEST, variables: {} })).toBe(KEY);
  });

  it("are none for a body Apollo Server refuses, or variables too deep to serialise", () => {
    let deep: Record<string, unknown> = {};
    for (let depth = 0; depth < 5_000; depth++) deep = { nested: deep };
    const refused: CacheRequest[] = [
      { ...REQUEST, operationName: 1 },
      { ...REQUEST, variables: "{}" },
      { ...REQUEST, extensions: [] },
      { extensions: { persistedQuery: { sha256Hash: "abc" } } },
      { ...REQUEST, variables: deep },
    ];
    for (const request of refused) expect(entryKey(fingerprint, "public:anonymous", request)).toBeNull();
  });

  it("belong to the schema they were made under: after a reload, another supergraph's entries are not found", async () => {
    const { path } = responseCache();
    await path.write(writeOf(KEY));
    expect(await path.lookup(null, REQUEST)).not.toBeNull();
    path.serve(buildSchema("type Query { products: [Int] }"));
    expect(await path.lookup(null, REQUEST)).toBeNull();
    path.serve(buildSchema("type Query { products: [Int] reviews(page: Int): [Int] }"));
    expect(await path.lookup(null, REQUEST)).not.toBeNull();
  });

  it("are not stored when a purge ran while the response was made, nor when too large", async () => {
    const { path } = responseCache();
    const generation = await path.tags.generation();
    await path.tags.purge(["Product"]);
    expect(await path.write(writeOf(KEY, { generation }))).toBe(false);
    expect(await path.write(writeOf(KEY, { body: "x".repeat(2 * 1024 * 1024), generation: generation + 1 }))).toBe(
      false,
    );
    expect(await path.lookup(null, REQUEST)).toBeNull();
    expect(await path.write(writeOf(KEY, { tags: ["Product:1"], generation: generation + 1 }))).toBe(true);
    expect(await path.lookup(null, REQUEST)).not.toBeNull();
    await path.tags.purge(["Product:1"]);
    expect(await path.lookup(null, REQUEST)).toBeNull();
  });
});
