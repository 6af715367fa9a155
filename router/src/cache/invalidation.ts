import type { ApolloServerPlugin } from "@apollo/server";
import type { RouterContext } from "../context.ts";
import type { CacheStore } from "./store.ts";

/**
 * Purges what a mutation changed, before its response leaves: the subgraphs name the changed entities
 * and types in `extensions.invalidate` (collected by the router's data source into the context), and
 * each name's cached responses stop being served, on every replica sharing the store.
 */
export function useCacheInvalidation(store: CacheStore): ApolloServerPlugin<RouterContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue }) {
          if (contextValue.invalidations.size === 0) return;
          const tags = [...contextValue.invalidations];
          await store.health.purge(() => store.tags.purge(tags));
        },
      };
    },
  };
}
