import { ErrorCode, sendError } from "@supergraph/kit/runtime";
import type { FastifyReply, FastifyRequest } from "fastify";

const isMap = (value: unknown) => typeof value === "object" && value !== null && !Array.isArray(value);

/** A GET's JSON-encoded parameter, as its value; `undefined` when absent, NOT_JSON when it is not JSON. */
export const NOT_JSON = Symbol("not JSON");
export function decoded(value: unknown): unknown {
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

/** Said of an operation that is an empty object (Apollo Server's own message blames the Content-Type). */
export const EMPTY_OPERATION = "GraphQL operations must contain a non-empty `query` or a `persistedQuery` extension.";

/**
 * A preValidation hook: a POST body that is neither an operation (a JSON object with keys) nor a batch (an
 * array) gets a 400 that says so. Apollo Server's own message for it ("POST body missing, invalid
 * Content-Type, or JSON object has no keys") blames a Content-Type that was right.
 */
export function refuseNonOperationBody(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
  const body = request.body;
  if (request.method !== "POST" || Array.isArray(body) || (isMap(body) && Object.keys(body as object).length > 0)) {
    done();
    return;
  }
  sendError(
    reply,
    400,
    ErrorCode.BAD_REQUEST,
    isMap(body)
      ? EMPTY_OPERATION
      : "The request body must be a JSON object (an operation: its `query`, `variables`, …) or an array of them (a batch).",
  );
}
