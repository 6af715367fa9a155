import type { ApolloServerPlugin } from "@apollo/server";
import type { RouterContext } from "../context.ts";

/**
 * A signed-in caller's response is `private` over HTTP, whatever its subgraphs said: a PUBLIC answer may
 * still be one its role sees (an admin's), and `public` lets a shared cache (a CDN) store a response to a
 * request with Authorization and serve it to anyone (RFC 9111, 3.5). The response cache still shares it
 * within the caller's class (cache/response-cache.ts, Scope). Set before any await: Apollo Server's own
 * cache-control plugin reads it as a restriction if it runs after, and is overwritten if it ran before.
 */
export function useCallerCacheControl(): ApolloServerPlugin<RouterContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue, overallCachePolicy }) {
          if (!contextValue.viewer || response.body.kind !== "single" || response.body.singleResult.errors) return;
          const policy = overallCachePolicy.policyIfCacheable();
          if (policy) response.http.headers.set("cache-control", `max-age=${policy.maxAge}, private`);
        },
      };
    },
  };
}
