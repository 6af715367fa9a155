import type { ApolloServerPlugin } from "@apollo/server";
import { ErrorCode, httpStatusFor, isErrorCode } from "@supergraph/kit/runtime";
import type { RouterContext } from "../context.ts";

/**
 * Field errors normally travel with HTTP 200 (GraphQL responses can be partial). When an operation failed
 * as a whole — no data at all — and its first error carries one of our codes, the HTTP status says so
 * too (400 BAD_USER_INPUT, 401, 403, 404, 409, 429), for clients that accept
 * `application/graphql-response+json` (the handler answers `application/json` clients 200, see
 * specStatus). Subgraphs' statuses do not cross the gateway, so the router derives
 * it from the code; a subgraph's RATE_LIMITED also gets its `Retry-After` header from
 * `extensions.retryAfterSeconds`.
 */
export function useErrorStatus(): ApolloServerPlugin<RouterContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== "single") return;
          const { data, errors } = response.body.singleResult;
          if (data !== null && data !== undefined) return;
          const code = errors?.[0]?.extensions?.code;
          // Apollo Server answers an unknown persisted query with 200 itself; a response with no data must
          // not be 2xx in application/graphql-response+json (Apollo Client and urql retry on the code either way).
          const persisted =
            code === ErrorCode.PERSISTED_QUERY_NOT_FOUND || code === ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED;
          if ((response.http.status !== undefined && !persisted) || !isErrorCode(code)) return;
          response.http.status = httpStatusFor[code];
          const retryAfter = errors?.[0]?.extensions?.retryAfterSeconds;
          if (code === ErrorCode.RATE_LIMITED && typeof retryAfter === "number" && retryAfter > 0) {
            response.http.headers.set("retry-after", String(Math.ceil(retryAfter)));
          }
        },
      };
    },
  };
}
