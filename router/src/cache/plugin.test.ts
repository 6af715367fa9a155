import type { ApolloServerPlugin } from "@apollo/server";
import { buildSchema, type GraphQLSchema, OperationTypeNode, parse, print } from "graphql";
import { describe, expect, it } from "vitest";
import { createCompression } from "../compression.ts";
import type { RouterContext } from "../context.ts";
import { createRouterMetrics } from "../metrics.ts";
import { FastPath } from "./fast-path.ts";
import { documentToPlan, useResponseCache } from "./plugin.ts";
import { memoryCacheStore } from "./testing.ts";

const QUERY = "{ item { name } }";

describe("the response cache's tagging step", () => {
  const store = memoryCacheStore();
  const fastPath = new FastPath(store, createCompression({ enabled: false, minBytes: 1 }));
  const [, tagging] = useResponseCache({ store, metrics: createRouterMetrics(), fastPath, maxEntryBytes: 1_000_000, maxTtlSeconds: 300 }) as [
    unknown,
    ApolloServerPlugin<RouterContext>,
  ];

  /** The document the gateway would plan for QUERY, as the step leaves it, against `schema`. */
  async function tagged(schema: GraphQLSchema): Promise<string> {
    const context = { operation: { operation: "query" }, queryHash: "the same query", schema, document: parse(QUERY), contextValue: { cache: {} } };
    const listener = await tagging.requestDidStart?.(context as never);
    await listener?.didResolveOperation?.(context as never);
    return print(context.document);
  }

  it("adds what the schema it runs against calls for, also once that schema has changed (a supergraph reload)", async () => {
    const withId = buildSchema("type Query { item: Item } type Item { id: ID! name: String }");
    const withoutId = buildSchema("type Query { item: Item } type Item { name: String }");

    expect(await tagged(withId)).toContain("__cacheId: id");
    // Memoised by query hash: a memo kept across the change would select an `id` the new schema lacks.
    expect(await tagged(withoutId)).not.toContain("__cacheId");
    // And the query-plan warm-up plans the very same document.
    expect(await tagged(withoutId)).toBe(print(documentToPlan(withoutId, parse(QUERY), OperationTypeNode.QUERY)));
    expect(await tagged(withId)).toBe(print(documentToPlan(withId, parse(QUERY), OperationTypeNode.QUERY)));
  });
});
