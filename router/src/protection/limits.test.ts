import { buildSchema, type DocumentNode, getOperationAST, parse } from "graphql";
import { describe, expect, it } from "vitest";
import { type QueryLimits, variableCostError } from "./limits.ts";

const schema = buildSchema(`
  input Filter { name: String, tags: [String!] }
  type Item { id: ID! name: String }
  type Query { items(first: Int, filter: Filter): [Item!]! }
`);
const limits: QueryLimits = { depth: 10, aliases: 10, tokens: 1000, rootFields: 10, cost: 50 };
const costOf = (document: DocumentNode, variables?: Record<string, unknown>) =>
  variableCostError(schema, document, getOperationAST(document), variables, limits);
const cost = (query: string, variables?: Record<string, unknown>) => costOf(parse(query), variables)?.message ?? null;

describe("variableCostError", () => {
  const page = "query Page($n: Int, $filter: Filter) { items(first: $n, filter: $filter) { id name } }";

  it("costs `first` from the request's variables", () => {
    expect(cost(page, { n: 100 })).toMatch(/Cost limit of 50 exceeded/);
    expect(cost(page, { n: 2, filter: { name: "a", tags: ["x"] } })).toBeNull();
  });

  it("takes a variable's default when the request leaves it out", () => {
    expect(cost("query Page($n: Int = 100) { items(first: $n) { id } }", {})).toMatch(/exceeded/);
  });

  it("leaves operations without variables to validation", () => {
    expect(cost("{ items(first: 100) { id } }")).toBeNull();
  });

  it("carries the cost limit's code", () => {
    const error = costOf(parse(page), { n: 100 });
    expect(error?.extensions.code).toBe("COST_LIMIT_EXCEEDED");
  });
});
