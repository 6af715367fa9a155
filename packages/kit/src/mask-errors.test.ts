import { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.ts";
import { createErrorMasker } from "./mask-errors.ts";

const stacktrace = ["GraphQLError: nope", "    at resolve (/srv/router/dist/main.js:1:1)"];
const mask = (development: boolean, hideSuggestions = false) =>
  createErrorMasker(createLogger("test", "silent"), development, hideSuggestions);

describe("createErrorMasker", () => {
  it("passes a coded error through without the stack trace development mode adds to it", () => {
    const formatted = { message: "You may not do this.", extensions: { code: "FORBIDDEN", stacktrace } };
    expect(mask(true)(formatted, new GraphQLError(formatted.message))).toEqual({
      message: "You may not do this.",
      extensions: { code: "FORBIDDEN" },
    });
  });

  it("keeps an unexpected error's message and stack in development only, and its code always", () => {
    const formatted = { message: "boom", extensions: { code: "INTERNAL_SERVER_ERROR", stacktrace } };
    const error = new GraphQLError("boom", { originalError: new Error('relation "users" does not exist') });
    expect(mask(true)(formatted, error).extensions).toEqual({ code: "INTERNAL_SERVER_ERROR", stacktrace });
    expect(mask(false)(formatted, error)).toEqual({
      message: "Internal server error",
      extensions: { code: "INTERNAL_SERVER_ERROR" },
    });
  });

  it("cuts graphql-js's suggestions when they would spell the schema out", () => {
    const formatted = {
      message: 'Cannot query field "emial" on type "User". Did you mean "email"?',
      extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
    };
    expect(mask(false, true)(formatted, undefined).message).toBe('Cannot query field "emial" on type "User".');
  });
});
