import { createLogger, type Logger } from "@supergraph/kit";
import type { FastHit, FastPath, FastRequest } from "./fast-path.ts";
import { createCacheStore } from "./store.ts";

// For the cache's unit tests: the in-memory store a router without Redis runs on, and a lookup that must hit.

/** The in-memory cache store (silent unless given a logger). */
export const memoryCacheStore = (logger: Logger = createLogger("router", "silent", { write: () => {} })) =>
  createCacheStore({ redisUrl: undefined, keyPrefix: "t:", timeoutMs: 100, maxTtlSeconds: 300, logger });

/** The fast path's hit for an anonymous request; throws if it has none. */
export async function hitFor(fastPath: FastPath, request: FastRequest): Promise<FastHit> {
  const found = await fastPath.lookup(null, request);
  if (!found) throw new Error("not served");
  return found;
}
