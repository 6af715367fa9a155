import type { GraphQLSchema } from "graphql";
import type { CacheRequest, RefreshClaim } from "./response-cache.ts";
import { fetchTags, reportedPurges, reportedTags } from "./tags.ts";

/**
 * What the response cache knows about one request, from its lookup to its write: one object, made where
 * the request is looked up (the hit lane, or the router's context), filled in by the subgraph fetches and
 * the cache plugin, read when the response is stored.
 */
export interface CacheState {
  /** The request as it was looked up, for the key it is stored under; null: not looked up, not stored. */
  request: CacheRequest | null;
  /** Already looked up (in the lane): not looked up again. */
  lookedUp: boolean;
  /** This request executes a hot entry's operation again before the entry expires (ResponseCache.claimRefresh). */
  refresh: RefreshClaim | null;
  /** The schema it executes under, once Apollo Server has resolved its operation. */
  schema: GraphQLSchema | undefined;
  /** Whether the operation is a query (the only kind stored). */
  query: boolean;
  /** The purge counter when execution started; null when it could not be read (nothing is stored then). */
  generation: number | null;
  /** What the operation cost by the cost limit, stored with its entry (a hit in a batch spends it). */
  cost: number | null;
  /** Tags of everything the operation fetched (see tags.ts); null once a fetch could not be tagged. */
  tags: Set<string> | null;
  /** What the operation changed, as the subgraphs reported it: purged before the response is sent. */
  purges: Set<string>;
  /** Its response is being written (a write that stores nothing gives a refresh's claim back itself). */
  writing: boolean;
}

export function newCacheState(request: CacheRequest | null = null): CacheState {
  return {
    request,
    lookedUp: false,
    refresh: null,
    schema: undefined,
    query: false,
    generation: null,
    cost: null,
    tags: new Set(),
    purges: new Set(),
    writing: false,
  };
}

/** Records one subgraph fetch of the operation: the tags it reported (or worked out for it), and its purges. */
export function recordFetch(
  state: CacheState,
  subgraph: string,
  query: string,
  extensions: Record<string, unknown> | undefined,
): void {
  for (const purge of reportedPurges(extensions)) state.purges.add(purge);
  if (!state.query || !state.schema || !state.tags) return;
  state.tags.add(`subgraph:${subgraph}`);
  let tags = reportedTags(extensions);
  if (!tags) {
    try {
      tags = fetchTags(state.schema, query);
    } catch {
      // A fetch whose content cannot be told: its response is not stored.
      state.tags = null;
      return;
    }
  }
  for (const tag of tags) state.tags.add(tag);
}
