import type { FastifyRequest } from "fastify";
import { describe, expect, it } from "vitest";
import { isWellFormed } from "./well-formed.ts";

const post = (body: unknown) => isWellFormed({ method: "POST", body } as FastifyRequest);
const get = (query: Record<string, string>) => isWellFormed({ method: "GET", query } as unknown as FastifyRequest);
const apq = { persistedQuery: { version: 1, sha256Hash: "a".repeat(64) } };

describe("a well-formed GraphQL-over-HTTP request", () => {
  it("has a non-empty string query, or a persisted query's extension, and parameters of the right shapes", () => {
    expect(post({ query: "{ a }" })).toBe(true);
    expect(post({ query: "{ a }", operationName: null, variables: null, extensions: null })).toBe(true);
    expect(post({ query: "{ a }", operationName: "A", variables: { x: 1 }, extensions: {} })).toBe(true);
    expect(post({ extensions: apq })).toBe(true);
    // A document that does not parse is well-formed: it is a GraphQL error, 200 in application/json.
    expect(post({ query: "{" })).toBe(true);
  });

  it("is not: no query, a query of another type, parameters of the wrong shapes, a body that is no object", () => {
    for (const body of [
      {},
      { qeury: "{ a }" },
      { query: "" },
      { query: 5 },
      { query: "{ a }", operationName: 1 },
      { query: "{ a }", variables: [7] },
      { query: "{ a }", variables: "{}" },
      { query: "{ a }", extensions: "x" },
      { extensions: {} },
      null,
      [],
      "text",
    ])
      expect(post(body), JSON.stringify(body)).toBe(false);
  });

  it("reads a GET's variables and extensions as JSON", () => {
    expect(get({ query: "{ a }", variables: '{"x":1}' })).toBe(true);
    expect(get({ extensions: JSON.stringify(apq) })).toBe(true);
    expect(get({ query: "{ a }", variables: "{x" })).toBe(false);
    expect(get({ query: "{ a }", variables: "[1]" })).toBe(false);
    expect(get({})).toBe(false);
  });
});
