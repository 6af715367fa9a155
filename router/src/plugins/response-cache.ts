import type { ApolloServerPlugin } from "@apollo/server";
import { entryKey, type ResponseCache, scopeOf } from "../cache/response-cache.ts";
import type { RouterContext } from "../context.ts";
import type { RouterMetrics } from "../process/metrics.ts";

/**
 * The response cache's part in Apollo Server's pipeline. The client's operation is executed as sent:
 * what the cache stores it under and tags it with comes from the request as it arrived and from what the
 * subgraphs reported (cache/state.ts), never from a changed operation. For each request:
 *
 *  - a query notes the schema it runs under and, as execution starts, the purge counter;
 *  - what the operation changed is purged before its response is sent, for every replica sharing the store;
 *  - a cacheable response (a query, no errors, a cacheable policy from the subgraphs' Cache-Control) is
 *    stored, as the bytes sent: a private one for its user, a public one for callers of its caller's class
 *    (see Scope);
 *  - `x-cache` says MISS (executed) or BYPASS (not cacheable here, or the store is unreachable).
 *
 * Hits never get here: they are answered from the store before Apollo Server (cache/hit-lane.ts, http/graphql-handler.ts).
 */
export function useResponseCache(cache: ResponseCache, metrics: RouterMetrics): ApolloServerPlugin<RouterContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, schema, contextValue }) {
          contextValue.cache.schema = schema;
          contextValue.cache.query = operation?.operation === "query";
        },
        async executionDidStart({ contextValue }) {
          if (contextValue.cache.query)
            contextValue.cache.generation = await cache.health.run(() => cache.tags.generation(), null);
        },
        async willSendResponse({ response, contextValue, overallCachePolicy, operationName }) {
          const state = contextValue.cache;
          if (state.purges.size > 0) await cache.purge(state.purges, state.schema);
          const eligible = state.query && cache.health.isHealthy;
          response.http.headers.set("x-cache", eligible ? "MISS" : "BYPASS");
          // A refresh is a miss to its client (it was executed), counted apart.
          metrics.cacheResults.inc({ result: !eligible ? "bypass" : state.refresh ? "refresh" : "miss" });

          if (
            !eligible ||
            !state.schema ||
            !state.request ||
            !state.tags ||
            state.generation === null ||
            response.body.kind !== "single"
          )
            return;
          const result = response.body.singleResult;
          const policy = overallCachePolicy.policyIfCacheable();
          if (result.errors || result.data == null || !policy) return;
          const scope = scopeOf(contextValue.viewer, policy.scope === "PRIVATE");
          const key = scope && entryKey(cache.fingerprint(state.schema), scope, state.request);
          if (!key) return;
          state.writing = true;
          // In the background: the client is answered while its response is stored.
          void cache.write({
            key,
            body: JSON.stringify(result),
            tags: [...state.tags],
            generation: state.generation,
            ttlSeconds: policy.maxAge,
            // As the client was told it (a signed-in caller's is private: plugins/caller-cache-control.ts).
            cacheControl: `max-age=${policy.maxAge}, ${contextValue.viewer ? "private" : "public"}`,
            operationName: operationName ?? null,
            cost: state.cost,
            refresh: state.refresh,
          });
        },
      };
    },
  };
}
