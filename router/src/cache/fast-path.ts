import { hash } from "node:crypto";
import type { KeyValueCache } from "@apollo/utils.keyvaluecache";
import { LRUCache } from "lru-cache";
import type { CacheHealth } from "./health.ts";
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

export interface FastRequest {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
}

/** `private:<user>` for private responses, `public` for the rest (the same bytes for every caller). */
export type Scope = `private:${string}` | "public";

/**
 * The store key of a request: a SHA-256 of its scope, query text, operation name and variables. One-shot
 * `crypto.hash` rather than a Hash object fed piece by piece: a third of the cost, which was a tenth of a
 * cache hit's CPU. (A memo of digests by request text was faster still, but kept request texts — with
 * whatever variables and inline literals they carry, passwords included — in memory.)
 */
export function fastKey(scope: Scope, request: FastRequest): string | null {
  if (typeof request.query !== "string") return null;
  const name = typeof request.operationName === "string" ? request.operationName : "";
  const variables = request.variables && typeof request.variables === "object" ? JSON.stringify(request.variables) : "{}";
  return FAST_PREFIX + hash("sha256", `${scope}\u0000${request.query}\u0000${name}\u0000${variables}`, "hex");
}

export interface FastEntryMeta {
  e: number;
  t: Record<string, number>;
  /** When it was stored (ms) and its Cache-Control, to answer with the right Age and policy. */
  at: number;
  cc: string;
  /** The operation's name, for metrics. */
  op: string | null;
}

export interface FastHit {
  body: Buffer;
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
export function hitHeaders(hit: FastHit): string[] {
  return ["content-type", "application/json; charset=utf-8", "cache-control", hit.cacheControl, "age", String(hit.age), "x-cache", "HIT"];
}

interface Decoded {
  meta: FastEntryMeta;
  body: Buffer;
  expiresAt: number;
}

export class FastPath {
  private readonly local = new LRUCache<string, Decoded>({ maxSize: 64 * 1024 * 1024, sizeCalculation: (entry) => entry.body.length + 512 });

  constructor(
    private readonly store: KeyValueCache<string>,
    private readonly tags: TagStore,
    private readonly health: CacheHealth,
  ) {}

  /** Called when the response cache stores an entry (see TaggedResponseCache.set). */
  remember(key: string, meta: FastEntryMeta, body: string, ttlSeconds: number): Promise<void> {
    const buffer = Buffer.from(body);
    this.local.set(key, { meta, body: buffer, expiresAt: Date.now() + ttlSeconds * 1000 });
    return this.health.run(() => this.store.set(key, `${JSON.stringify(meta)}\n${body}`, { ttl: ttlSeconds }), undefined);
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
        operationName: entry.meta.op,
        age: Math.max(0, Math.round((Date.now() - entry.meta.at) / 1000)),
        cacheControl: entry.meta.cc,
      };
    }
    return null;
  }

  private async read(key: string): Promise<Decoded | null> {
    const local = this.local.get(key);
    if (local && local.expiresAt > Date.now()) return local;
    const raw = await this.health.run(() => this.store.get(key), undefined);
    if (raw === undefined) return null;
    const newline = raw.indexOf("\n");
    const decoded = { meta: JSON.parse(raw.slice(0, newline)) as FastEntryMeta, body: Buffer.from(raw.slice(newline + 1)), expiresAt: Date.now() + 5_000 };
    this.local.set(key, decoded);
    return decoded;
  }
}
