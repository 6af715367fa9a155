import type { ApolloServerPlugin } from "@apollo/server";
import type { Logger } from "@supergraph/kit/runtime";
import type { RouterContext } from "../context.ts";

/**
 * Drops the gateway's `extensions.valueCompletion`: where an entity a subgraph could not resolve (a post's
 * author whose account is gone) nulls its nullable parent, @apollo/gateway reports each non-null field it
 * could not complete there, with a code outside our closed set (INVALID_GRAPHQL). The answer itself says
 * what the schema promises (the parent is null); the detail is logged for operators, not sent, nor cached.
 * Before the response cache in the plugin list: its stored bytes are what is sent.
 */
export function useValueCompletion(logger: Logger): ApolloServerPlugin<RouterContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== "single") return;
          const extensions = response.body.singleResult.extensions;
          if (!extensions || !("valueCompletion" in extensions)) return;
          logger.debug(
            { reqId: contextValue.requestId, valueCompletion: extensions.valueCompletion },
            "nulled by value completion",
          );
          delete extensions.valueCompletion;
          if (Object.keys(extensions).length === 0) delete response.body.singleResult.extensions;
        },
      };
    },
  };
}
