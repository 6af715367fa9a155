import type { SubgraphPlugin } from "@supergraph/kit/subgraph";
import type { Context } from "../context.ts";

/**
 * Access tokens are checked by the router alone, so a revocation must reach it: what a request revoked
 * (`session:<id>` for a session, `user:<id>` for every token of a user) goes back in
 * `extensions.revoke`, which the router stores before it answers (router/src/protection/revocations.ts).
 */
export function revoke(context: Context, entry: `session:${string}` | `user:${string}`): void {
  context.revocations.add(entry);
}

export function useRevocationReport(): SubgraphPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== "single" || contextValue.revocations.size === 0) return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, revoke: [...contextValue.revocations] };
        },
      };
    },
  };
}
