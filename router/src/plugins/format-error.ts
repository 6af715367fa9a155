import { createErrorMasker, type Logger } from "@supergraph/kit/runtime";
import type { GraphQLFormattedError } from "graphql";
import { limitErrorCode } from "../protection/limits.ts";

/**
 * Apollo Server's `formatError`: a query refused by a limit keeps its message under the limit's code;
 * anything else goes through the error masker (unexpected errors become INTERNAL_SERVER_ERROR, logged
 * with their cause; details only in development).
 */
export function createFormatError(options: { logger: Logger; development: boolean; hideSuggestions: boolean }) {
  const maskErrors = createErrorMasker(options.logger, options.development, options.hideSuggestions);
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const limit = limitErrorCode(formatted);
    if (limit) return { message: formatted.message, extensions: { code: limit } };
    return maskErrors(formatted, error);
  };
}
