/** The codes the supergraph puts in `extensions.code` (see the README's error table). */
export type ErrorCode =
  | "BAD_USER_INPUT"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "CONFLICT"
  | "INSUFFICIENT_STOCK"
  | "BAD_REQUEST"
  | "GRAPHQL_PARSE_FAILED"
  | "GRAPHQL_VALIDATION_FAILED"
  | "OPERATION_RESOLUTION_FAILURE"
  | "PERSISTED_QUERY_NOT_FOUND"
  | "PERSISTED_QUERY_NOT_SUPPORTED"
  | "QUERY_NOT_IN_SAFELIST"
  | "DEPTH_LIMIT_EXCEEDED"
  | "ALIAS_LIMIT_EXCEEDED"
  | "TOKEN_LIMIT_EXCEEDED"
  | "ROOT_FIELD_LIMIT_EXCEEDED"
  | "COST_LIMIT_EXCEEDED"
  | "PAYLOAD_TOO_LARGE"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "RATE_LIMITED"
  | "SERVICE_UNAVAILABLE"
  | "GATEWAY_TIMEOUT"
  | "INTERNAL_SERVER_ERROR";

export interface GraphQLErrorEntry {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: ErrorCode | (string & {}); [key: string]: unknown };
}

/** Thrown when the server answers with errors (or not at all with JSON); carries every error's code. */
export class SupergraphError extends Error {
  override name = "SupergraphError";
  /** The first error's code, the usual thing to branch on. */
  readonly code: ErrorCode | (string & {}) | undefined;
  readonly codes: ReadonlyArray<ErrorCode | (string & {})>;

  constructor(
    readonly errors: ReadonlyArray<GraphQLErrorEntry>,
    /** The HTTP status (200 for errors next to partial data). */
    readonly status: number,
    /** Whatever data came back with the errors (partial results). */
    readonly data: unknown = null,
  ) {
    super(errors.map((error) => error.message).join("; ") || `HTTP ${status}`);
    this.codes = errors.map((error) => error.extensions?.code ?? "INTERNAL_SERVER_ERROR");
    this.code = this.codes[0];
  }

  has(code: ErrorCode): boolean {
    return this.codes.includes(code);
  }
}
