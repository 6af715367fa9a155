import { unwrapResolverError } from "@apollo/server/errors";
import type { GraphQLFormattedError } from "graphql";
import { ErrorCode } from "./errors.ts";
import type { Logger } from "./logger.ts";

// graphql-js's hint ("Did you mean "email"?") in validation and variable-coercion messages.
const SUGGESTION = / ?Did you mean [^?]*\?/g;

/**
 * Apollo Server's `formatError`: coded errors (ours and Apollo's own, such as GRAPHQL_VALIDATION_FAILED)
 * reach the client as they are; anything unexpected — a bug, a database error with its SQL — is logged
 * with its cause and replaced by a bare INTERNAL_SERVER_ERROR, so no stack, SQL or internal detail leaks.
 * With `hideSuggestions` (no introspection), "Did you mean …?" hints are cut: they would spell the schema out.
 */
export function createErrorMasker(logger: Logger, exposeDetails: boolean, hideSuggestions = false) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (code !== ErrorCode.INTERNAL_SERVER_ERROR && typeof code === "string") {
      const message = hideSuggestions ? formatted.message.replace(SUGGESTION, "") : formatted.message;
      // An expected refusal: its code and message say it all, and a development stack trace of where it
      // was raised is noise to the client (unexpected errors keep theirs, below).
      const { stacktrace, ...extensions } = formatted.extensions ?? {};
      return message === formatted.message && stacktrace === undefined
        ? formatted
        : { ...formatted, message, extensions };
    }
    // Apollo Server refuses some malformed requests (an APQ hash that does not match the query) with a
    // 4xx status but no code, which Apollo then reports as INTERNAL_SERVER_ERROR: they are the client's.
    const status = (error as { extensions?: { http?: { status?: unknown } } } | undefined)?.extensions?.http?.status;
    if (typeof status === "number" && status >= 400 && status < 500) {
      return {
        message: formatted.message,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code: "BAD_REQUEST" },
      };
    }
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
