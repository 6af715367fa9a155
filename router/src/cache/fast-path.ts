import { createHash } from "node:crypto";
import type { KeyValueCache } from "@apollo/utils.keyvaluecache";
import type { CacheHealth } from "./health.ts";
import type { TagStore } from "./tag-store.ts";

// Cache hits without Apollo Server's pipeline. When the response cache stores a response, it also stores
// the exact bytes the client was sent, under a key made from the request as it arrived (scope, query
// text, operation name, variables). A later identical request is answered from those bytes — no parse,
// no validation, no JSON round trip of an 87 KB body — after the same checks the plugin's read makes
// (the entry's tags are all current). Everything else (a miss, APQ by hash only, GET) takes the normal
// path, where the plugin looks up its own entry.

export const FAST_PREFIX = "fast:";

export interface FastRequest {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
}

/** `private:<user>` for private responses, `public` for the rest (the same bytes for every caller). */
export type Scope = `private:${string}` | "public";

export function fastKey(scope: Scope, request: FastRequest): string | null {
  if (typeof request.query !== "string") return null;
  const name = typeof request.operationName === "string" ? request.operationName : "";
  const variables = request.variables && typeof request.variables === "object" ? JSON.stringify(request.variables) : "{}";
  return FAST_PREFIX + createHash("sha256").update(scope).update("\u0000").update(request.query).update("\u0000").update(name).update("\u0000").update(variables).digest("hex");
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
  body: string;
  operationName: string | null;
  age: number;
  cacheControl: string;
}

/** Looks an identical request up; private entries first for signed-in callers, as the plugin does. */
export async function lookupFast(
  store: KeyValueCache<string>,
  tags: TagStore,
  health: CacheHealth,
  viewerId: string | null,
  request: FastRequest,
): Promise<FastHit | null> {
  const scopes: Scope[] = viewerId ? [`private:${viewerId}`, "public"] : ["public"];
  for (const scope of scopes) {
    const key = fastKey(scope, request);
    if (!key) return null;
    const raw = await health.run(() => store.get(key), undefined);
    if (raw === undefined) continue;
    const newline = raw.indexOf("\n");
    const meta = JSON.parse(raw.slice(0, newline)) as FastEntryMeta;
    if (!(await health.run(() => tags.isCurrent(meta.e, meta.t), false))) continue;
    return {
      body: raw.slice(newline + 1),
      operationName: meta.op,
      age: Math.max(0, Math.round((Date.now() - meta.at) / 1000)),
      cacheControl: meta.cc,
    };
  }
  return null;
}
