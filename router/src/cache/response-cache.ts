import { hash } from "node:crypto";
import type { KeyValueCache } from "@apollo/utils.keyvaluecache";
import type { Viewer } from "@supergraph/kit/runtime";
import { type GraphQLSchema, printSchema } from "graphql";
import { LRUCache } from "lru-cache";
import type { Compression, Encodable, Encoding } from "../http/compression.ts";
import { hasWellFormedParams } from "../http/well-formed.ts";
import type { ByteBudget } from "../process/bounded-cache.ts";
import { persistedQueryHash } from "../protection/persisted-operations.ts";
import type { CacheHealth } from "./health.ts";
import type { CacheStore } from "./store.ts";
import type { TagStore } from "./tag-store.ts";
import { purgeTags } from "./tags.ts";

// The router's response cache: whole query responses, stored once as the exact bytes a client was sent,
// under a key made of the request as it arrived (see entryKey). One lookup serves every hit (the lane in
// front of Fastify, the handler for the rest), one write stores each response (plugins/response-cache.ts), one format:
// a line of JSON metadata, a newline, the body.
//
// Each router also keeps recent entries decoded in memory; the shared store (Redis) holds them for the
// other replicas. Tags are checked on every hit either way, so a purge anywhere applies here at once.

const ENTRY_PREFIX = "entry:";
/** Where Apollo Server keeps automatic persisted queries' documents (its APQ_CACHE_PREFIX), in `store.apq`. */
const APQ_PREFIX = "apq:";

/**
 * A hot entry is executed again shortly before it expires, by one request, while every other request is
 * still served from it, so a busy operation never expires under load (bench/README.md, "refresh"). The
 * window is the last tenth of its life, at most 10 s.
 */
const REFRESH_SHARE = 0.1;
const MAX_REFRESH_WINDOW_MS = 10_000;
/** A refresh that stored nothing gives its claim back after a quarter of the window (at most 1 s). */
const MAX_REFRESH_RETRY_MS = 1_000;
/** How long a router serves an entry read from the store before reading it again (before its refresh window). */
const LOCAL_COPY_MS = 5_000;

/** A request's GraphQL parameters as it arrived (a POST body, or a GET's parsed query string). */
export interface CacheRequest {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
  extensions?: unknown;
}

/**
 * Whose an entry is. `public:<class>`: the same bytes for every caller of one class, the anonymous or the
 * signed-in of one role, so a subgraph may answer admins more than customers without marking it PRIVATE,
 * never one user more than another. `private:<user>:<role>`: one user's, as their role was.
 */
export type Scope = `private:${string}` | `public:${string}`;

/** The scope a response made for `viewer` belongs to (null: a private one for no one, not kept). */
export function scopeOf(viewer: Viewer | null, isPrivate: boolean): Scope | null {
  if (!isPrivate) return `public:${viewer ? viewer.role : "anonymous"}`;
  return viewer ? `private:${viewer.userId}:${viewer.role}` : null;
}

/** The scopes an entry for `viewer` may be in, a signed-in caller's private one first. */
const scopesOf = (viewer: Viewer | null): Scope[] =>
  viewer ? [`private:${viewer.userId}:${viewer.role}`, `public:${viewer.role}`] : ["public:anonymous"];

/** What an entry's metadata line holds. */
export interface EntryMeta {
  /** The tag store's epoch and the generation of each tag when it was written (see TagStore). */
  e: number;
  t: Record<string, number>;
  /** When it was stored (ms), its lifetime (s), Cache-Control and operation name (for metrics). */
  at: number;
  ttl: number;
  cc: string;
  op: string | null;
  /** What executing it cost by the cost limit (a hit in a batch spends it); absent in older entries. */
  c?: number;
}

/** A request's claim to refresh one version of an entry (see ResponseCache.claimRefresh). */
export interface RefreshClaim {
  key: string;
  /** The version's `at`. */
  at: number;
  /** How soon another request may try again if this one stores nothing. */
  retryMs: number;
  /** Taken in the shared store too (false: the store could not be asked, this router's own claim only). */
  shared: boolean;
}

export interface Hit {
  body: Buffer;
  /** The entry it came from, which keeps the body's compressed forms (see ResponseCache.encoded). */
  entry: Encodable;
  operationName: string | null;
  age: number;
  cacheControl: string;
  /** What executing it cost by the cost limit; undefined for an entry stored before costs were. */
  cost: number | undefined;
}

/** A response to store: its bytes and what the plugin learnt while it was made. */
export interface Write {
  key: string;
  body: string;
  tags: string[];
  /** The purge counter when its execution started (see TagStore.generation). */
  generation: number;
  ttlSeconds: number;
  cacheControl: string;
  operationName: string | null;
  /** What executing it cost by the cost limit (unknown: not spent by a hit in a batch, which then executes). */
  cost?: number | null;
  /** The request is a refresh of this entry: if this write stores nothing, the claim is given back. */
  refresh: RefreshClaim | null;
}

/**
 * The schema an entry was made under, in its key: an entry never outlives its schema (a reload that
 * removed a field misses, then is refused by validation), and routers serving different supergraphs
 * through one store never share entries. `rules` are in it too: what else decides what may run under
 * it (the query limits, the supergraph's cost directives).
 */
export function schemaFingerprint(schema: GraphQLSchema, rules: unknown): string {
  return hash("sha256", `${printSchema(schema)}\u0000${JSON.stringify(rules)}`, "hex").slice(0, 32);
}

/**
 * What identifies a request's answer under any scope: the query's SHA-256 (the hash an automatic
 * persisted query or a trusted document is sent by, so hash-only requests find it too), the operation
 * name and the variables. Null for what is not a cacheable request: a body Apollo Server refuses (it gets
 * its 400 there, not another request's entry: a malformed parameter, a persisted-query hash that is not
 * the query's), or variables too deep to serialise.
 */
function requestIdentity(request: CacheRequest): string | null {
  if (!hasWellFormedParams(request)) return null;
  const { query, operationName, variables, extensions } = request;
  let variablesText = "{}";
  try {
    if (variables) variablesText = JSON.stringify(variables);
  } catch {
    return null;
  }
  const queryId = queryIdOf(query, extensions);
  if (queryId === null) return null;
  // An absent name and "" are different requests (one runs the document's only operation, one is refused).
  return `${queryId}\u0000${JSON.stringify(operationName ?? null)}\u0000${variablesText}`;
}

/**
 * The query's SHA-256, by Apollo Server's rules for an automatic persisted query: version 1, and a hash
 * that is the query's when both are sent (compared exactly, as it does). Null for what it refuses.
 */
function queryIdOf(query: unknown, extensions: unknown): string | null {
  const persisted = (extensions as { persistedQuery?: unknown } | undefined)?.persistedQuery;
  if (!persisted) return typeof query === "string" && query !== "" ? hash("sha256", query, "hex") : null;
  const { version, sha256Hash } = persisted as { version?: unknown; sha256Hash?: unknown };
  if (version !== 1 || typeof sha256Hash !== "string") return null;
  if (typeof query === "string") return hash("sha256", query, "hex") === sha256Hash ? sha256Hash : null;
  return query === undefined && /^[0-9a-f]{64}$/.test(sha256Hash) ? sha256Hash : null;
}

const keyOf = (fingerprint: string, scope: Scope, identity: string) =>
  ENTRY_PREFIX + hash("sha256", `${fingerprint}\u0000${scope}\u0000${identity}`, "hex");

/** The store key of a request in a scope, under a schema's fingerprint (see requestIdentity); null: not cacheable. */
export function entryKey(fingerprint: string, scope: Scope, request: CacheRequest): string | null {
  const identity = requestIdentity(request);
  return identity === null ? null : keyOf(fingerprint, scope, identity);
}

/**
 * When an entry ends, when its refresh window starts, and how soon a refresh that stored nothing may be
 * tried again.
 */
function lifetime(meta: EntryMeta): { end: number; windowStart: number; retryMs: number } {
  const end = meta.at + meta.ttl * 1000;
  const windowMs = Math.min(meta.ttl * 1000 * REFRESH_SHARE, MAX_REFRESH_WINDOW_MS);
  return { end, windowStart: end - windowMs, retryMs: Math.min(windowMs / 4, MAX_REFRESH_RETRY_MS) };
}

const refreshClaimName = (key: string, at: number) => `refresh:${key}:${at}`;

/**
 * Until when a router may answer from its own copy of an entry, made `now`, without reading the store
 * again: never past the entry's end, nor into its refresh window; within the window one retry interval at
 * a time, so that a version refreshed by another router sharing the store is served soon.
 */
function copyExpiry(meta: EntryMeta, now: number, maxMs: number): number {
  const life = lifetime(meta);
  return now < life.windowStart ? Math.min(now + maxMs, life.windowStart) : Math.min(now + life.retryMs, life.end);
}

/** A local copy's cost against the budget: its bytes, and its header, parsed tags and their key list. */
const copySize = (body: Buffer, header: string) => body.length + 3 * header.length + 512;

interface Decoded extends Encodable {
  key: string;
  meta: EntryMeta;
  /** `meta` as the store holds it: a copy read again whose header is the same is the same version. */
  header: string;
  expiresAt: number;
  size: number;
}

export class ResponseCache {
  /** The local copies, within RESPONSE_CACHE_LOCAL_MAX_BYTES: bytes, compressed forms and tags included. */
  private readonly local: LRUCache<string, Decoded>;
  readonly copies: ByteBudget;
  /**
   * Which version of an entry (its `at`) this router has claimed to refresh, and until when. By version,
   * not key: a request that read the old version before the refresh stored the new one must not start a
   * second refresh. Bounded: an evicted claim may be taken once more here (the shared claim still stands).
   */
  private readonly refreshing = new LRUCache<string, { at: number; until: number }>({ max: 10_000 });
  /** Store reads under way, by key: the requests arriving while a copy is read again wait for that read. */
  private readonly reading = new Map<string, Promise<Decoded | null>>();
  private readonly fingerprints = new WeakMap<GraphQLSchema, string>();
  /** The fingerprint of the schema being served; null until one is loaded (nothing is looked up then). */
  private current: string | null = null;
  private currentSchema: GraphQLSchema | undefined;

  private readonly store: KeyValueCache<string>;
  private readonly apq: KeyValueCache<string>;
  readonly tags: TagStore;
  readonly health: CacheHealth;
  private readonly claim: CacheStore["claim"];
  private readonly shortenClaim: CacheStore["shortenClaim"];

  constructor(
    store: Pick<CacheStore, "raw" | "apq" | "tags" | "health" | "claim" | "shortenClaim">,
    private readonly compression: Compression,
    private readonly options: {
      maxEntryBytes: number;
      maxTtlSeconds: number;
      /** What decides what may run under a schema, as plain data (see schemaFingerprint). */
      rules: (schema: GraphQLSchema) => unknown;
      /** Whether an id is a trusted document's, which needs no registering (see protection/persisted-operations.ts). */
      trusted?: (sha256Hash: string) => boolean;
      localCopiesBytes?: number;
    },
  ) {
    const maxBytes = options.localCopiesBytes ?? 64 * 2 ** 20;
    const local = new LRUCache<string, Decoded>({ maxSize: maxBytes, sizeCalculation: (entry) => entry.size });
    this.local = local;
    this.copies = { name: "response_copies", maxBytes, bytes: () => local.calculatedSize, entries: () => local.size };
    this.store = store.raw;
    this.apq = store.apq;
    this.tags = store.tags;
    this.health = store.health;
    this.claim = store.claim;
    this.shortenClaim = store.shortenClaim;
  }

  /** The fingerprint of `schema` (see schemaFingerprint), worked out once per schema. */
  fingerprint(schema: GraphQLSchema): string {
    let fingerprint = this.fingerprints.get(schema);
    if (!fingerprint) {
      fingerprint = schemaFingerprint(schema, this.options.rules(schema));
      this.fingerprints.set(schema, fingerprint);
    }
    return fingerprint;
  }

  /** The router now serves `schema`: lookups find only entries made under it. */
  serve(schema: GraphQLSchema): void {
    this.current = this.fingerprint(schema);
    this.currentSchema = schema;
  }

  /**
   * Purges the responses holding what `names` name (see purgeTags), for every router sharing the store,
   * before returning. A purge that could not be recorded makes every older entry invalid once the store is
   * back (CacheHealth).
   */
  purge(names: Iterable<string>, schema: GraphQLSchema | undefined = this.currentSchema): Promise<void> {
    const tags = purgeTags(names, schema);
    return this.health.purge(() => this.tags.purge(tags));
  }

  /**
   * Looks an identical request up under the schema being served, as `viewer` may read it: a signed-in
   * caller's private entry first, then their class's public one. A hit is what executing the request would
   * answer, automatic persisted queries included: one sent by hash alone is found only while its document
   * is registered, and one sent with its document registers it, as Apollo Server does when it runs one.
   */
  async lookup(viewer: Viewer | null, request: CacheRequest): Promise<Hit | null> {
    const fingerprint = this.current;
    if (!fingerprint) return null;
    // Worked out once for both scopes (a signed-in caller's private entry first).
    const identity = requestIdentity(request);
    if (identity === null) return null;
    const hash = persistedQueryHash(request.extensions);
    const persisted = typeof hash === "string" ? hash : null;
    const registered = persisted && request.query === undefined ? this.isRegistered(persisted) : null;
    for (const scope of scopesOf(viewer)) {
      const key = keyOf(fingerprint, scope, identity);
      const entry = await this.read(key);
      if (!entry) continue;
      if (!(await this.health.run(() => this.tags.isCurrent(entry.meta.e, entry.meta.t), false))) {
        this.local.delete(key);
        continue;
      }
      if (registered && !(await registered)) return null;
      // Not for a trusted document (its id is resolved from the manifest, every hit of the SDK's would write).
      if (persisted && typeof request.query === "string" && !this.options.trusted?.(persisted))
        this.register(persisted, request.query);
      return {
        body: entry.body,
        entry,
        operationName: entry.meta.op,
        age: Math.max(0, Math.round((Date.now() - entry.meta.at) / 1000)),
        cacheControl: entry.meta.cc,
        cost: entry.meta.c,
      };
    }
    return null;
  }

  /** Whether an automatic persisted query's document is registered (where Apollo Server registers them). */
  private async isRegistered(sha256Hash: string): Promise<boolean> {
    return (await this.apq.get(APQ_PREFIX + sha256Hash)) !== undefined;
  }

  private register(sha256Hash: string, query: string): void {
    void this.apq.set(APQ_PREFIX + sha256Hash, query);
  }

  /**
   * Stores a response, unless a purge ran while it was made (it may hold data read before the write),
   * it is too large, or the store fails. Whether it was stored; a refresh that stored nothing gives its
   * claim back, for another request to try.
   */
  async write(write: Write): Promise<boolean> {
    let stored = false;
    try {
      stored = await this.writeEntry(write);
    } finally {
      if (write.refresh && !(stored && write.refresh.key === write.key)) this.refreshStoredNothing(write.refresh);
    }
    return stored;
  }

  private async writeEntry(write: Write): Promise<boolean> {
    if (Buffer.byteLength(write.body) > this.options.maxEntryBytes) return false;
    const snapshot = await this.health.run(() => this.tags.snapshotForWrite(write.tags, write.generation), null);
    if (!snapshot) return false;
    const ttl = Math.min(write.ttlSeconds, this.options.maxTtlSeconds);
    const meta: EntryMeta = {
      e: snapshot.epoch,
      t: snapshot.tags,
      at: Date.now(),
      ttl,
      cc: write.cacheControl,
      op: write.operationName,
      ...(write.cost == null ? {} : { c: write.cost }),
    };
    const body = Buffer.from(write.body);
    const header = JSON.stringify(meta);
    this.local.set(write.key, {
      key: write.key,
      meta,
      header,
      body,
      expiresAt: copyExpiry(meta, meta.at, Number.POSITIVE_INFINITY),
      size: copySize(body, header),
    });
    await this.health.run(() => this.store.set(write.key, `${header}\n${write.body}`, { ttl }), undefined);
    return true;
  }

  /**
   * The claim to refresh the entry a hit came from, if the request that got it should execute its
   * operation again instead (and store the result); null if it should be served the hit. One request per
   * version of an entry, in its last tenth of life, held until the version's end unless given back.
   * Claimed here first, synchronously (the other requests of the window get null without a round trip),
   * then in the shared store, so one router of all those sharing it refreshes a given entry; were the
   * store unreachable, a router refreshes on its own claim.
   */
  claimRefresh(hit: Hit): Promise<RefreshClaim | null> | null {
    const { key, meta } = hit.entry as Decoded;
    const life = lifetime(meta);
    const now = Date.now();
    if (now < life.windowStart) return null;
    const held = this.refreshing.get(key);
    if (held && held.at === meta.at && now < held.until) return null;
    const { end, retryMs } = life;
    const hold = { at: meta.at, until: end };
    this.refreshing.set(key, hold);
    const name = refreshClaimName(key, meta.at);
    return this.health
      .run<boolean | "unreachable">(() => this.claim(name, end - now), "unreachable")
      .then((taken) => {
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
    if (claim.shared)
      void this.health.run(() => this.shortenClaim(refreshClaimName(claim.key, claim.at), claim.retryMs), undefined);
  }

  /** A hit's body in `encoding`, compressed once per copy and kept with it (the store holds identity bytes). */
  async encoded(hit: Hit, encoding: Encoding): Promise<Buffer> {
    const known = hit.entry.encoded?.[encoding];
    if (known) return known;
    const entry = hit.entry as Decoded;
    const encoded = await this.compression.encode(entry, encoding);
    // Counted against the budget if the copy is still held (lru-cache measures an entry when it is set).
    entry.size += encoded.length;
    if (this.local.peek(entry.key) === entry) {
      this.local.delete(entry.key);
      this.local.set(entry.key, entry);
    }
    return encoded;
  }

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
    if (newline < 0) return null;
    const header = raw.slice(0, newline);
    let meta: EntryMeta;
    try {
      meta = JSON.parse(header) as EntryMeta;
    } catch {
      return null;
    }
    if (typeof meta.at !== "number" || typeof meta.ttl !== "number") return null;
    // Past its end by this router's clock (the store's expiry may lag by a moment): as good as gone.
    if (Date.now() >= lifetime(meta).end) return null;
    // Still the version held here: kept, with its compressed forms, rather than decoded again.
    if (local && local.header === header) {
      local.expiresAt = copyExpiry(local.meta, Date.now(), LOCAL_COPY_MS);
      return local;
    }
    const body = Buffer.from(raw.slice(newline + 1));
    const decoded = {
      key,
      meta,
      header,
      body,
      expiresAt: copyExpiry(meta, Date.now(), LOCAL_COPY_MS),
      size: copySize(body, header),
    };
    this.local.set(key, decoded);
    return decoded;
  }
}

/** The headers a hit is answered with, as a flat list of names and values (the form `writeHead` takes). */
export function hitHeaders(hit: Hit, contentType: string): string[] {
  return ["content-type", contentType, "cache-control", hit.cacheControl, "age", String(hit.age), "x-cache", "HIT"];
}
