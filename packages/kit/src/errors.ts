import { GraphQLError } from "graphql";

/**
 * The closed set of error codes clients can see in `extensions.code`, from the subgraphs' resolvers, the
 * router and Apollo Server alike (a test fails when code anywhere emits another, and docs/api.md's table
 * and the SDK's type are checked against it). Anything else that goes wrong is an internal error: logged
 * with its cause, masked as INTERNAL_SERVER_ERROR for clients.
 */
export const ErrorCode = {
  // What a subgraph decides about the operation's input and caller.
  BAD_USER_INPUT: "BAD_USER_INPUT",
  UNAUTHENTICATED: "UNAUTHENTICATED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  INSUFFICIENT_STOCK: "INSUFFICIENT_STOCK",
  // What the router refuses about the request itself, before anything runs.
  BAD_REQUEST: "BAD_REQUEST",
  GRAPHQL_PARSE_FAILED: "GRAPHQL_PARSE_FAILED",
  GRAPHQL_VALIDATION_FAILED: "GRAPHQL_VALIDATION_FAILED",
  OPERATION_RESOLUTION_FAILURE: "OPERATION_RESOLUTION_FAILURE",
  PERSISTED_QUERY_NOT_FOUND: "PERSISTED_QUERY_NOT_FOUND",
  PERSISTED_QUERY_NOT_SUPPORTED: "PERSISTED_QUERY_NOT_SUPPORTED",
  QUERY_NOT_IN_SAFELIST: "QUERY_NOT_IN_SAFELIST",
  DEPTH_LIMIT_EXCEEDED: "DEPTH_LIMIT_EXCEEDED",
  ALIAS_LIMIT_EXCEEDED: "ALIAS_LIMIT_EXCEEDED",
  TOKEN_LIMIT_EXCEEDED: "TOKEN_LIMIT_EXCEEDED",
  ROOT_FIELD_LIMIT_EXCEEDED: "ROOT_FIELD_LIMIT_EXCEEDED",
  COST_LIMIT_EXCEEDED: "COST_LIMIT_EXCEEDED",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  UNSUPPORTED_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  /** Too many requests (or failed log-ins) from this client or for this account; `extensions.retryAfterSeconds` says when to retry. */
  RATE_LIMITED: "RATE_LIMITED",
  /** A service this operation depends on did not answer (in time); nothing was changed. Safe to retry. */
  SERVICE_UNAVAILABLE: "SERVICE_UNAVAILABLE",
  GATEWAY_TIMEOUT: "GATEWAY_TIMEOUT",
  INTERNAL_SERVER_ERROR: "INTERNAL_SERVER_ERROR",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * The HTTP status of a response whose operation failed as a whole with this code, for clients that accept
 * `application/graphql-response+json`. `application/json` clients get 200 for every well-formed request
 * (the GraphQL-over-HTTP spec; Apollo Client 3 reads error codes only from a 200), except a refusal made
 * before the operation ran with one of the TRANSPORT_STATUSES.
 */
export const httpStatusFor: Record<ErrorCode, number> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  INSUFFICIENT_STOCK: 409,
  BAD_REQUEST: 400,
  GRAPHQL_PARSE_FAILED: 400,
  GRAPHQL_VALIDATION_FAILED: 400,
  OPERATION_RESOLUTION_FAILURE: 400,
  PERSISTED_QUERY_NOT_FOUND: 404,
  PERSISTED_QUERY_NOT_SUPPORTED: 400,
  QUERY_NOT_IN_SAFELIST: 400,
  DEPTH_LIMIT_EXCEEDED: 400,
  ALIAS_LIMIT_EXCEEDED: 400,
  TOKEN_LIMIT_EXCEEDED: 400,
  ROOT_FIELD_LIMIT_EXCEEDED: 400,
  COST_LIMIT_EXCEEDED: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
  GATEWAY_TIMEOUT: 504,
  INTERNAL_SERVER_ERROR: 500,
};

/**
 * Statuses every client gets, whatever the media type, for a refusal made before the operation ran (an
 * answer with no `data`): refusals of the transport (a method, a media type, a body size, a rate, a
 * deadline) that clients and proxies act on. The same status on an operation's result (a subgraph's
 * RATE_LIMITED) follows the media type like any other code.
 */
export const TRANSPORT_STATUSES: ReadonlySet<number> = new Set([405, 406, 413, 415, 429, 504]);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ErrorCode, value);
}

/**
 * A user-facing error: its message and extensions reach the client as they are. It carries no HTTP
 * status: a subgraph answering non-200 would make the gateway discard the error for a generic one. The
 * router sets the status from the code (see its error-status plugin).
 */
export function appError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

/** The same error with its HTTP status, for errors raised before execution (e.g. a refused token). */
export function requestError(code: ErrorCode, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status: httpStatusFor[code] } } });
}

export const badUserInput = (message: string, field?: string) =>
  appError(ErrorCode.BAD_USER_INPUT, message, field ? { field } : {});
export const unauthenticated = (message = "You must be signed in to do this.") =>
  appError(ErrorCode.UNAUTHENTICATED, message);
export const forbidden = (message = "You are not allowed to do this.") => appError(ErrorCode.FORBIDDEN, message);
export const notFound = (what: string, id: string) =>
  appError(ErrorCode.NOT_FOUND, `${what} ${JSON.stringify(id)} was not found.`, { id });
