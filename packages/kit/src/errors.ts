import { GraphQLError } from "graphql";

/**
 * The closed set of error codes clients can see in `extensions.code`. Anything else that goes wrong is
 * an internal error: logged with its cause, masked as INTERNAL_SERVER_ERROR for clients.
 */
export const ErrorCode = {
  BAD_USER_INPUT: "BAD_USER_INPUT",
  UNAUTHENTICATED: "UNAUTHENTICATED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  INSUFFICIENT_STOCK: "INSUFFICIENT_STOCK",
  /** Too many requests (or failed log-ins) from this client or for this account; `extensions.retryAfterSeconds` says when to retry. */
  RATE_LIMITED: "RATE_LIMITED",
  /** A service this operation depends on did not answer in time; nothing was changed. Safe to retry. */
  SERVICE_UNAVAILABLE: "SERVICE_UNAVAILABLE",
  INTERNAL_SERVER_ERROR: "INTERNAL_SERVER_ERROR",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The HTTP status a request gets when the whole operation failed with this code. */
export const httpStatusFor: Record<ErrorCode, number> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  INSUFFICIENT_STOCK: 409,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_SERVER_ERROR: 500,
};

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
