import type { KeyValueCache, KeyValueCacheSetOptions } from "@apollo/utils.keyvaluecache";
import type { FastPath, RefreshClaim } from "./fast-path.ts";
import type { CacheHealth } from "./health.ts";
import { entityTags } from "./tags.ts";
import type { TagStore } from "./tag-store.ts";

/** What the response cache plugin's write needs to know about the response being written. */
export interface PendingWrite {
  /** The entity types the operation selects. */
  typeTags: string[];
  /** The purge counter when its execution started. */
  generation: number;
  data: unknown;
  /** The fast path's copy: its key and the exact bytes sent to the client (see fast-path.ts). */
  fast?: { key: string; body: string; cacheControl: string; operationName: string | null };
  /** The request is a refresh of the fast path's entry: if this write stores nothing, it says so. */
  refresh?: RefreshClaim;
}

/**
 * The store behind @apollo/server-plugin-response-cache: entries carry their tags' generations, and a
 * read serves an entry only while they are current (see TagStore). Writes are handed their tags by the
 * router's cache plugin through `pending`, keyed by the cache key, because the plugin passes the store
 * only a key and a serialized value.
 *
 * Stored format: one line of JSON metadata (`{"e":epoch,"t":{tag:generation}}`), a newline, then the
 * plugin's value as it was (no re-encoding of the response).
 */
export class TaggedResponseCache implements KeyValueCache<string> {
  readonly pending = new Map<string, PendingWrite>();

  constructor(
    private readonly store: KeyValueCache<string>,
    private readonly tags: TagStore,
    private readonly health: CacheHealth,
    private readonly limits: { maxEntryBytes: number; maxTtlSeconds: number },
    private readonly fastPath?: FastPath,
  ) {}

  async get(key: string): Promise<string | undefined> {
    const raw = await this.health.run(() => this.store.get(key), undefined);
    if (raw === undefined) return undefined;
    const newline = raw.indexOf("\n");
    if (newline < 0) return undefined;
    const meta = JSON.parse(raw.slice(0, newline)) as { e: number; t: Record<string, number> };
    const current = await this.health.run(() => this.tags.isCurrent(meta.e, meta.t), false);
    if (!current) {
      void this.health.run(() => this.store.delete(key), false);
      return undefined;
    }
    return raw.slice(newline + 1);
  }

  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    const pending = this.pending.get(key);
    this.pending.delete(key);
    if (!pending) return;
    let stored = false;
    try {
      stored = await this.write(key, value, pending, options);
    } finally {
      // A refresh of the fast path's entry that did not replace it: another request may try again.
      if (pending.refresh && !(stored && pending.fast?.key === pending.refresh.key)) this.fastPath?.refreshStoredNothing(pending.refresh);
    }
  }

  /** Whether the entry was stored (with its fast-path copy, if it has one). */
  private async write(key: string, value: string, pending: PendingWrite, options?: KeyValueCacheSetOptions): Promise<boolean> {
    if (value.length > this.limits.maxEntryBytes) return false;
    const tags = [...new Set([...pending.typeTags, ...entityTags(pending.data)])];
    const snapshot = await this.health.run(() => this.tags.snapshotForWrite(tags, pending.generation), null);
    // null: a purge ran while this response was being computed; it may be stale already.
    if (!snapshot) return false;
    const ttl = Math.min(options?.ttl ?? this.limits.maxTtlSeconds, this.limits.maxTtlSeconds);
    const entry = `${JSON.stringify({ e: snapshot.epoch, t: snapshot.tags })}\n${value}`;
    const fast = pending.fast;
    await Promise.all([
      this.health.run(() => this.store.set(key, entry, { ttl }), undefined),
      fast &&
        this.fastPath?.remember(fast.key, { e: snapshot.epoch, t: snapshot.tags, at: Date.now(), cc: fast.cacheControl, op: fast.operationName, ttl }, fast.body),
    ]);
    return true;
  }

  async delete(key: string): Promise<boolean> {
    return (await this.health.run(() => this.store.delete(key), false)) === true;
  }
}
