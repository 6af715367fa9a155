import { hash } from "node:crypto";
import type { KeyValueCache } from "@apollo/utils.keyvaluecache";
import { LRUCache } from "lru-cache";
import type { Compression, Encodable, Encoding } from "../compression.ts";
import type { CacheHealth } from "./health.ts";
import type { CacheStore } from "./store.ts";
import type { TagStore } from "./tag-store.ts";

// Cache hits without Apollo Server's pipeline. When the response cache stores a response, it also stores
// the exact bytes the client was sent, under a key made from the request as it arrived (scope, query
// text, operation name, variables). A later identical request is answered from those bytes — no parse,
// no validation, no JSON round trip of an 87 KB body — after the same check the plugin's read makes
// (the entry's tags are all current). Everything else (a miss, APQ by hash only, GET) takes the normal
// path, where the plugin looks up its own entry.
//
// Each router also keeps recent entries decoded in memory (bytes ready to send); the shared store (Redis)
// holds them for the other replicas. Tags are checked on every hit either way, so a purge anywhere
// applies here at once.

export const FAST_PREFIX = "fast:";

/**
 * A hot entry is executed again shortly before it expires, by one request, while every other request is
 * still served from it; so while requests keep coming it is replaced before it expires. Otherwise, each
 * time an entry of a busy operation expired, every request then in flight missed at once: with a
 * per-request nonce (or anything else that differs between bodies) none of them could be coalesced, each
 * executed the whole operation, and the router stalled for about half a second at ~10,000 hits/s (found
 * by a stall probe in the bench, where TestQuery's 60 s entry expired mid-run: p99 0.5 s at a set rate).
 * The window is the last tenth of its life, at most 10 s.
 */
const REFRESH_SHARE = 0.1;
const MAX_REFRESH_WINDOW_MS = 10_000;
/**
 * A version's refresh is claimed until the version's end, however long its execution takes. One that stored
 * nothing — it overlapped a purge of anything (see TagStore.generation), a subgraph failed, it came back
 * private — gives the claim back after a quarter of the window (at most 1 s): another request, on any
 * router, may then try again.
 */
const MAX_REFRESH_RETRY_MS = 1_000;
/** How long a router serves an entry read from the store before reading it again (before its refresh window). */
const LOCAL_COPY_MS = 5_000;

/**
 * When an entry ends, when its refresh window (see REFRESH_SHARE) starts, and how soon a refresh that
 * stored nothing may be tried again; null for an entry written by an older router (no lifetime in it).
 */
function lifetime(meta: FastEntryMeta): { end: number; windowStart: number; retryMs: number } | null {
  if (!meta.ttl) return null;
  const end = meta.at + meta.ttl * 1000;
  const windowMs = Math.min(meta.ttl * 1000 * REFRESH_SHARE, MAX_REFRESH_WINDOW_MS);
  return { end, windowStart: end - windowMs, retryMs: Math.min(windowMs / 4, MAX_REFRESH_RETRY_MS) };
}

const refreshClaimName = (key: string, at: number) => `refresh:${key}:${at}`;

/**
 * Until when a router may answer from its own copy of an entry, made `now`, without reading the store
 * again: never past the entry's end, nor into its refresh window, and within the window for one retry
 * interval at a time: another router sharing the store may have stored the refreshed version, which this
 * one then serves too, rather than its older copy until that copy's end.
 */
function copyExpiry(meta: FastEntryMeta, now: number, maxMs: number): number {
  const life = lifetime(meta);
  if (!life) return now + maxMs;
  return now < life.windowStart ? Math.min(now + maxMs, life.windowStart) : Math.min(now + life.retryMs, life.end);
}

/**
 * What a local copy holds, for the copies' budget: its bytes, and about three times its header's length
 * for the header, its parsed tags and the tag store's key list for them (RedisTagStore.keysOf), which
 * for an entry of many tags and a small body are most of it.
 */
const copySize = (body: Buffer, header: string) => body.length + 3 * header.length + 512;

export interface FastRequest {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
  extensions?: unknown;
}

const isRecord = (value: unknown) => typeof value === "object" && value !== null && !Array.isArray(value);

/** `private:<user>` for private responses, `public` for the rest (the same bytes for every caller). */
export type Scope = `private:${string}` | "public";

/**
 * The store key of a request: a SHA-256 of its scope, query text, operation name and variables. One-shot
 * `crypto.hash` rather than a Hash object fed piece by piece: a third of the cost, which was a tenth of a
 * cache hit's CPU. (A memo of digests by request text was faster still, but kept request texts — with
 * whatever variables and inline literals they carry, passwords included — in memory.)
 */
export function fastKey(scope: Scope, request: FastRequest): string | null {
  const { query, operationName, variables, extensions } = request;
  if (typeof query !== "string") return null;
  // No key for a body Apollo Server refuses (its checks of a POST body, in runHttpQuery): that request
  // gets its 400 there, not the entry of the same operation (nor the claim to refresh it).
  if (operationName != null && typeof operationName !== "string") return null;
  if ((variables != null && !isRecord(variables)) || (extensions != null && !isRecord(extensions))) return null;
  return FAST_PREFIX + hash("sha256", `${scope}\u0000${query}\u0000${operationName ?? ""}\u0000${variables ? JSON.stringify(variables) : "{}"}`, "hex");
}

export interface FastEntryMeta {
  e: number;
  t: Record<string, number>;
  /** When it was stored (ms) and its Cache-Control, to answer with the right Age and policy. */
  at: number;
  cc: string;
  /** The operation's name, for metrics. */
  op: string | null;
  /** Its lifetime (s), to refresh it before it ends; absent in entries written by an older router. */
  ttl?: number;
}

/** A request's claim to refresh one version of an entry (see FastPath.claimRefresh). */
export interface RefreshClaim {
  key: string;
  /** The version's `at`. */
  at: number;
  /** How soon another request may try again if this one stores nothing. */
  retryMs: number;
  /** Taken in the shared store too (false: the store could not be asked, this router's own claim only). */
  shared: boolean;
}

export interface FastHit {
  body: Buffer;
  /** The entry it came from, which keeps the body's compressed forms (see FastPath.encoded). */
  entry: Encodable;
  operationName: string | null;
  age: number;
  cacheControl: string;
}

/**
 * The headers a hit is answered with, wherever it is answered (before Fastify or in its handler), as a
 * flat list of names and values: the form Node's `writeHead` takes, to which the lane appends its own.
 * Not an object grown per hit: the lane built `{ ...hitHeaders(hit), more }`, and that spread gave every
 * hit's header object a hidden class of its own (V8 made a new map, descriptor array and enum cache each
 * time, in old space: at saturation about 20 MB/s of old-space garbage, so a 10-20 ms mark-compact every
 * few seconds; --trace-gc-object-stats counted one dead map per hit).
 */
export function hitHeaders(hit: FastHit, contentType: string): string[] {
  return ["content-type", contentType, "cache-control", hit.cacheControl, "age", String(hit.age), "x-cache", "HIT"];
}

interface Decoded extends Encodable {
  key: string;
  meta: FastEntryMeta;
  /** `meta` as the store holds it: a copy read again whose header is the same is the same version. */
  header: string;
  expiresAt: number;
  /** Bytes it holds, compressed forms included (the local copies' budget). */
  size: number;
}

export class FastPath {
  private readonly local = new LRUCache<string, Decoded>({ maxSize: 64 * 1024 * 1024, sizeCalculation: (entry) => entry.size });
  /**
   * Which version of an entry (its `at`) this router has claimed to refresh, and until when: the version's
   * end while its refresh runs and after it stored the new one; a retry interval once it is given back, or
   * when another router has the shared claim. By version, not just by key: a request that read the old
   * version before the refresh stored the new one may ask after it (with Redis, its tags check is a round
   * trip), and must not start a second refresh. Bounded: beyond it, a version whose claim was evicted may
   * be claimed once more here (the shared claim still stands).
   */
  private readonly refreshing = new LRUCache<string, { at: number; until: number }>({ max: 10_000 });

  private readonly store: KeyValueCache<string>;
  private readonly tags: TagStore;
  private readonly health: CacheHealth;
  private readonly claim: CacheStore["claim"];
  private readonly shortenClaim: CacheStore["shortenClaim"];

  constructor(
    store: Pick<CacheStore, "raw" | "tags" | "health" | "claim" | "shortenClaim">,
    private readonly compression: Compression,
  ) {
    this.store = store.raw;
    this.tags = store.tags;
    this.health = store.health;
    this.claim = store.claim;
    this.shortenClaim = store.shortenClaim;
  }

  /** Called when the response cache stores an entry (see TaggedResponseCache.set); it lives `meta.ttl` seconds. */
  remember(key: string, meta: FastEntryMeta & { ttl: number }, body: string): Promise<void> {
    const buffer = Buffer.from(body);
    const header = JSON.stringify(meta);
    this.local.set(key, { key, meta, header, body: buffer, expiresAt: copyExpiry(meta, Date.now(), Number.POSITIVE_INFINITY), size: copySize(buffer, header) });
    return this.health.run(() => this.store.set(key, `${header}\n${body}`, { ttl: meta.ttl }), undefined);
  }

  /** Looks an identical request up; private entries first for signed-in callers, as the plugin does. */
  async lookup(viewerId: string | null, request: FastRequest): Promise<FastHit | null> {
    const scopes: Scope[] = viewerId ? [`private:${viewerId}`, "public"] : ["public"];
    for (const scope of scopes) {
      const key = fastKey(scope, request);
      if (!key) return null;
      const entry = await this.read(key);
      if (!entry) continue;
      if (!(await this.health.run(() => this.tags.isCurrent(entry.meta.e, entry.meta.t), false))) {
        this.local.delete(key);
        continue;
      }
      return {
        body: entry.body,
        entry,
        operationName: entry.meta.op,
        age: Math.max(0, Math.round((Date.now() - entry.meta.at) / 1000)),
        cacheControl: entry.meta.cc,
      };
    }
    return null;
  }

  /**
   * The claim to refresh the entry a hit came from, if the request that got it should execute its
   * operation again instead (and store the result); null if it should be served the hit. Claimed for one
   * request per version of an entry, in its last tenth of life (see REFRESH_SHARE), held until the
   * version's end unless given back (refreshStoredNothing).
   *
   * Claimed here first, synchronously: the other requests of the window get null without a round trip
   * (and every hit outside it without a promise). Then in the shared store: every router sharing it —
   * replicas, ROUTER_WORKERS — would otherwise refresh each hot entry, N executions per entry per
   * lifetime where one does. A router that loses the shared claim serves its request from the entry, and
   * reads the refreshed version from the store once its copy lapses (see copyExpiry). Were the store
   * unreachable, a router refreshes on its own claim, as each did before.
   */
  claimRefresh(hit: FastHit): Promise<RefreshClaim | null> | null {
    const { key, meta } = hit.entry as Decoded;
    const life = lifetime(meta);
    const now = Date.now();
    if (!life || now < life.windowStart) return null;
    // Held for this version: by a refresh still running, or done (a request that read this version before
    // the new one was stored may ask only now), or by another router.
    const held = this.refreshing.get(key);
    if (held && held.at === meta.at && now < held.until) return null;
    const { end, retryMs } = life;
    const hold = { at: meta.at, until: end };
    this.refreshing.set(key, hold);
    const name = refreshClaimName(key, meta.at);
    return this.health.run<boolean | "unreachable">(() => this.claim(name, end - now), "unreachable").then((taken) => {
      // Another router has it: asked again after the retry interval, in case that one gives it back.
      if (taken === false) hold.until = Math.min(hold.until, Date.now() + retryMs);
      return taken === false ? null : { key, at: meta.at, retryMs, shared: taken === true };
    });
  }

  /** Gives a claim back, for another request to try again after its retry interval: its refresh stored nothing. */
  refreshStoredNothing(claim: RefreshClaim): void {
    const held = this.refreshing.get(claim.key);
    if (held?.at === claim.at) held.until = Math.min(held.until, Date.now() + claim.retryMs);
    // Only a claim this router took: one taken without the store must not shorten another router's.
    if (claim.shared) void this.health.run(() => this.shortenClaim(refreshClaimName(claim.key, claim.at), claim.retryMs), undefined);
  }

  /**
   * Reads of the store under way, by key. When a copy lapses (every LOCAL_COPY_MS, and every retry
   * interval in its refresh window, on a router that did not store the entry itself), the requests that
   * arrive before the store answers wait for that one read, rather than each fetching and decoding the
   * whole entry again. Joining a read already sent is safe: the entry's tags are still checked after each
   * request arrived (lookup), and a newer version is read at the next lapse, as it would be anyway.
   */
  private readonly reading = new Map<string, Promise<Decoded | null>>();

  private read(key: string): Promise<Decoded | null> | Decoded {
    const local = this.local.get(key);
    if (local && local.expiresAt > Date.now()) return local;
    let pending = this.reading.get(key);
    if (!pending) {
      pending = this.readStore(key, local).finally(() => this.reading.delete(key));
      this.reading.set(key, pending);
    }
    return pending;
  }

  private async readStore(key: string, local: Decoded | undefined): Promise<Decoded | null> {
    const raw = await this.health.run(() => this.store.get(key), undefined);
    if (raw === undefined) return null;
    const newline = raw.indexOf("\n");
    const header = raw.slice(0, newline);
    const meta = JSON.parse(header) as FastEntryMeta;
    // Past its end by this router's clock (the store's expiry may lag by a moment): as good as gone.
    if (Date.now() >= (lifetime(meta)?.end ?? Number.POSITIVE_INFINITY)) return null;
    // Still the version held here (read again in its refresh window, see copyExpiry): kept, with its bytes
    // and their compressed forms, rather than decoded and compressed again.
    if (local && local.header === header) {
      local.expiresAt = copyExpiry(local.meta, Date.now(), LOCAL_COPY_MS);
      return local;
    }
    const body = Buffer.from(raw.slice(newline + 1));
    const decoded = { key, meta, header, body, expiresAt: copyExpiry(meta, Date.now(), LOCAL_COPY_MS), size: copySize(body, header) };
    this.local.set(key, decoded);
    return decoded;
  }

  /**
   * A hit's body in `encoding`, compressed once per entry and kept with it (each router compresses its
   * own copy once: the shared store holds the identity bytes only).
   */
  async encoded(hit: FastHit, encoding: Encoding): Promise<Buffer> {
    const known = hit.entry.encoded?.[encoding];
    if (known) return known;
    const entry = hit.entry as Decoded;
    const encoded = await this.compression.encode(entry, encoding);
    // Counted against the local copies' budget, if the entry is still among them (set again: lru-cache
    // measures an entry when it is set, not when the same one is set over itself).
    entry.size += encoded.length;
    if (this.local.peek(entry.key) === entry) {
      this.local.delete(entry.key);
      this.local.set(entry.key, entry);
    }
    return encoded;
  }
}
