import { unwrapResolverError } from "@apollo/server/errors";
import type { GraphQLFormattedError } from "graphql";
import { ErrorCode } from "./errors.ts";
import type { Logger } from "./logger.ts";

/**
 * Apollo Server's `formatError`: coded errors (ours and Apollo's own, such as GRAPHQL_VALIDATION_FAILED)
 * reach the client as they are; anything unexpected — a bug, a database error with its SQL — is logged
 * with its cause and replaced by a bare INTERNAL_SERVER_ERROR, so no stack, SQL or internal detail leaks.
 */
export function createErrorMasker(logger: Logger, exposeDetails: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (code !== ErrorCode.INTERNAL_SERVER_ERROR && typeof code === "string") return formatted;
    const cause = unwrapResolverError(error);
    logger.error({ err: cause, path: formatted.path }, "unexpected error while resolving");
    return {
      message: exposeDetails && cause instanceof Error ? cause.message : "Internal server error",
      path: formatted.path,
      locations: formatted.locations,
      extensions: {
        code: ErrorCode.INTERNAL_SERVER_ERROR,
        ...(exposeDetails && formatted.extensions?.stacktrace ? { stacktrace: formatted.extensions.stacktrace } : {}),
      },
    };
  };
}
