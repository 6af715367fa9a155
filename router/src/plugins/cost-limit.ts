import type { ApolloServerPlugin } from "@apollo/server";
import { GraphQLError } from "graphql";
import type { RouterContext } from "../context.ts";
import type { CostLimit } from "../protection/cost.ts";

/** A limit's refusal as a 400, as validation's are (Apollo Server answers 500 to what a hook throws otherwise). */
export const asRequestError = (error: GraphQLError): GraphQLError =>
  new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status: 400 } } });

/**
 * The cost limit with the request's variables in place, before anything is planned (see protection/cost.ts);
 * for an operation of a batch, with what the batch's other operations cost.
 */
export function useCostLimit(costLimit: CostLimit): ApolloServerPlugin<RouterContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request, contextValue }) {
          const error =
            operation &&
            costLimit.check(
              schema,
              document,
              operation,
              request.variables,
              // A subscription in a batch is refused (operation-resolution.ts): it spends nothing of it.
              operation.operation === "subscription" ? undefined : contextValue.batch,
              (cost) => {
                contextValue.cache.cost = cost;
              },
            );
          if (error) throw asRequestError(error);
        },
      };
    },
  };
}
