import type { FastifyRequest } from "fastify";

const isMap = (value: unknown) => typeof value === "object" && value !== null && !Array.isArray(value);

/** A GET's JSON-encoded parameter, as its value; `undefined` when absent, a symbol when it is not JSON. */
const NOT_JSON = Symbol("not JSON");
function decoded(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return NOT_JSON;
  }
}

/**
 * Whether a request is a well-formed GraphQL-over-HTTP request (the spec's "Request Parameters"): a JSON
 * object (a GET's query string) whose `query` is a non-empty string, or absent with a persisted query's
 * extension; `operationName` a string or null; `variables` and `extensions` maps or null. The spec asks
 * for 400 when one is not, whatever the media type of the answer: a JSON parsing failure or invalid
 * parameters are the client's mistake, not a GraphQL error (see specStatus).
 */
export function isWellFormed(request: FastifyRequest): boolean {
  const get = request.method === "GET";
  const params = get ? request.query : request.body;
  if (!isMap(params)) return false;
  const fields = params as Record<string, unknown>;
  return hasWellFormedParams(
    get ? { ...fields, variables: decoded(fields.variables), extensions: decoded(fields.extensions) } : fields,
  );
}

/** The parameters of a request, its JSON ones decoded (a GET's), are those of a well-formed one (see isWellFormed). */
export function hasWellFormedParams(params: {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
  extensions?: unknown;
}): boolean {
  const { query, operationName, variables, extensions } = params;
  if (operationName != null && typeof operationName !== "string") return false;
  if ((variables != null && !isMap(variables)) || (extensions != null && !isMap(extensions))) return false;
  if (query !== undefined) return typeof query === "string" && query !== "";
  return isMap(extensions) && "persistedQuery" in (extensions as object);
}
