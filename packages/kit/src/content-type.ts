import Negotiator from "negotiator";

// The Content-Type of a single GraphQL result, chosen from the Accept header as Apollo Server chooses it
// (its chooseContentTypeForSingleResultResponse, which @apollo/server does not export), for the answers
// written without Apollo Server: cache hits and the HTTP layer's own refusals. A client preferring
// application/graphql-response+json (Apollo Client 4, urql) gets that type on every answer.

export const APPLICATION_JSON = "application/json; charset=utf-8";
export const GRAPHQL_RESPONSE_JSON = "application/graphql-response+json; charset=utf-8";
/** Offered as Apollo Server offers it; a client that prefers it is left to Apollo Server. */
const CALLBACK_JSON = "application/json; callbackSpec=1.0; charset=utf-8";
const OFFERED = [APPLICATION_JSON, GRAPHQL_RESPONSE_JSON, CALLBACK_JSON];

const MAX_MEMOIZED = 1_000;
/** Longer headers are parsed each time: memoized, a client's 16 KB headers would hold 16 MB (#26). */
const MAX_MEMOIZED_LENGTH = 256;
/** By Accept header: clients send a handful of distinct ones, and a hit should not parse it again. */
const chosen = new Map<string, string | null>();

/**
 * The Content-Type a GraphQL result is sent with for this Accept header; null when Apollo Server should
 * answer the request itself (it answers 406 when nothing offered is acceptable).
 */
export function responseContentType(accept: string | undefined): string | null {
  if (!accept) return APPLICATION_JSON;
  let type = chosen.get(accept);
  if (type === undefined) {
    const preferred = new Negotiator({ headers: { accept } }).mediaType(OFFERED);
    type = preferred === APPLICATION_JSON || preferred === GRAPHQL_RESPONSE_JSON ? preferred : null;
    if (accept.length <= MAX_MEMOIZED_LENGTH) {
      if (chosen.size >= MAX_MEMOIZED) chosen.clear();
      chosen.set(accept, type);
    }
  }
  return type;
}
