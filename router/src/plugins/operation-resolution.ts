import type { ApolloServerPlugin } from "@apollo/server";
import { ErrorCode } from "@supergraph/kit/runtime";
import { GraphQLError } from "graphql";
import type { RouterContext } from "../context.ts";

const refusal = (code: ErrorCode, message: string) =>
  new GraphQLError(message, { extensions: { code, http: { status: 400 } } });

/**
 * Which operation of the document runs, decided before the gateway plans it: a client's mistake (an
 * unknown operation name, several operations and no name, a subscription, which this router does not
 * serve) is refused with 400 and a code of our set — the gateway would fail it as a 500. The operation's
 * type is recorded for coalescing, which shares only queries, and a mutation's answer is marked `no-store`.
 */
export function useOperationResolution(): ApolloServerPlugin<RouterContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, request, contextValue }) {
          if (!operation) {
            throw refusal(
              ErrorCode.OPERATION_RESOLUTION_FAILURE,
              request.operationName != null
                ? `The document has no operation named "${request.operationName}".`
                : "The document has several operations: say which to run in `operationName`.",
            );
          }
          if (operation.operation === "subscription")
            throw refusal(
              ErrorCode.BAD_REQUEST,
              "Subscriptions are not served over this transport; send queries and mutations.",
            );
          contextValue.execution.operationType = operation.operation;
        },
        // Apollo Server's cache-control plugin gives a mutation's response the policy of the fields it
        // returns (`max-age=120, public` for a product); what a write answers is never to be kept.
        async willSendResponse({ response, contextValue }) {
          if (contextValue.execution.operationType === "mutation")
            response.http.headers.set("cache-control", "no-store");
        },
      };
    },
  };
}
