import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import type { Metrics } from "./metrics.ts";

// Operation names come from clients; a label per distinct name would let anyone grow the metrics without
// bound. The first names seen are kept, the rest are counted as "other".
const MAX_OPERATION_LABELS = 200;

export function operationLabel(seen: Set<string>, name: string | null | undefined): string {
  if (!name) return "anonymous";
  if (seen.has(name)) return name;
  if (seen.size >= MAX_OPERATION_LABELS) return "other";
  seen.add(name);
  return name;
}

/** Times every GraphQL operation and counts errors by code, for `GET /metrics`. */
export function useOperationMetrics<TContext extends BaseContext>(metrics: Metrics): ApolloServerPlugin<TContext> {
  const seen = new Set<string>();
  return {
    async requestDidStart() {
      const end = metrics.graphqlRequests.startTimer();
      return {
        async willSendResponse({ operationName, errors }) {
          const codes = (errors ?? []).map((error) => String(error.extensions?.code ?? "INTERNAL_SERVER_ERROR"));
          for (const code of codes) metrics.errors.inc({ code });
          end({ operation: operationLabel(seen, operationName), outcome: codes[0] ?? "ok" });
        },
      };
    },
  };
}
