import Negotiator from "negotiator";

// The Content-Type of a single GraphQL result, chosen from the Accept header as Apollo Server chooses it
// (its chooseContentTypeForSingleResultResponse, which @apollo/server does not export), for the answers
// the router sends without Apollo Server: cache hits. Without it a client preferring
// application/graphql-response+json (Apollo Client, urql) got that type on a miss and application/json
// on every hit after.

const APPLICATION_JSON = "application/json; charset=utf-8";
const GRAPHQL_RESPONSE_JSON = "application/graphql-response+json; charset=utf-8";
/** Offered as Apollo Server offers it; a client that prefers it is left to Apollo Server. */
const CALLBACK_JSON = "application/json; callbackSpec=1.0; charset=utf-8";
const OFFERED = [APPLICATION_JSON, GRAPHQL_RESPONSE_JSON, CALLBACK_JSON];

const MAX_MEMOIZED = 1_000;
/** By Accept header: clients send a handful of distinct ones, and a hit should not parse it again. */
const chosen = new Map<string, string | null>();

/**
 * The Content-Type a cache hit is sent with for this Accept header; null when Apollo Server should answer
 * the request itself (it answers 406 when nothing offered is acceptable).
 */
export function hitContentType(accept: string | undefined): string | null {
  if (!accept) return APPLICATION_JSON;
  let type = chosen.get(accept);
  if (type === undefined) {
    const preferred = new Negotiator({ headers: { accept } }).mediaType(OFFERED);
    type = preferred === APPLICATION_JSON || preferred === GRAPHQL_RESPONSE_JSON ? preferred : null;
    if (chosen.size >= MAX_MEMOIZED) chosen.clear();
    chosen.set(accept, type);
  }
  return type;
}
