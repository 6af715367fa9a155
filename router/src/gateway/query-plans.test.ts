import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Supergraph } from "@apollo/federation-internals";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { createLogger } from "@supergraph/kit/runtime";
import {
  type GraphQLInputType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  Kind,
  type NamedTypeNode,
  parse,
  typeFromAST,
} from "graphql";
import { Counter, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { composeSupergraph } from "./compose.ts";
import { QueryPlanStore, QueryPlanWarmer, queryPlanKey } from "./query-plans.ts";

const root = join(import.meta.dirname, "../../..");
const supergraphSdl = readFileSync(join(root, "router/supergraph.graphql"), "utf8");
const manifest = JSON.parse(readFileSync(join(root, "sdk/persisted-operations.json"), "utf8")) as {
  operations: Array<{ body: string; type: string }>;
};
// The gateway never executes subscriptions (the router's subscriptions/ plans them): only the rest is warmed.
const documents = [
  ...new Set(
    manifest.operations.filter((operation) => operation.type !== "subscription").map((operation) => operation.body),
  ),
];
const subscriptions = [
  ...new Set(
    manifest.operations.filter((operation) => operation.type === "subscription").map((operation) => operation.body),
  ),
];
const logger = createLogger("router", "silent");
const nameOf = (document: string) => /\b(?:query|mutation)\s+(\w+)/.exec(document)?.[1] as string;

/** The supergraph without one subgraph (as after a reload that dropped it). */
function composeWithout(without: string): string {
  const result = composeSupergraph(root, { without });
  if ("errors" in result) throw new Error(result.errors.join("; "));
  return result.supergraphSdl;
}

/** Values for an operation's variables, valid for their types (the gateway validates them before planning). */
function sampleVariables(document: string): Record<string, unknown> {
  const sample = (type: GraphQLInputType): unknown => {
    if (isNonNullType(type)) return sample(type.ofType);
    if (isListType(type)) return [sample(type.ofType)];
    if (isEnumType(type)) return type.getValues()[0]?.value;
    if (isInputObjectType(type)) {
      const required = Object.values(type.getFields()).filter(
        (field) => isNonNullType(field.type) && field.defaultValue === undefined,
      );
      return Object.fromEntries(required.map((field) => [field.name, sample(field.type)]));
    }
    return { Int: 1, Float: 1, Boolean: true }[type.name] ?? "1";
  };
  const operation = parse(document).definitions.find((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  return Object.fromEntries(
    (operation?.variableDefinitions ?? []).map((definition) => [
      definition.variable.name.value,
      sample(typeFromAST(apiSchema, definition.type as NamedTypeNode) as GraphQLInputType),
    ]),
  );
}
const apiSchema = Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
// Subgraphs at a closed port: execution fails at the fetch, after the gateway planned.
const unreachable = supergraphSdl.replaceAll(/http:\/\/[^"]+/g, "http://127.0.0.1:1/graphql");

function counting() {
  const lookups = new Counter({
    name: "lookups",
    help: "-",
    labelNames: ["result"] as const,
    registers: [new Registry()],
  });
  const count = async (result: "hit" | "miss") =>
    (await lookups.get()).values.find((value) => value.labels.result === result)?.value ?? 0;
  return { lookups, count };
}

describe("query plan warm-up", () => {
  it("plans every persisted operation against the supergraph, filed under the keys the gateway looks up", async () => {
    const store = new QueryPlanStore();
    const result = await new QueryPlanWarmer(store, () => documents, logger).warm(supergraphSdl);

    expect(result).toMatchObject({ planned: documents.length, invalid: [], current: true });
    for (const document of documents) {
      expect(store.has(queryPlanKey(document, nameOf(document)))).toBe(true);
      // Sent without its name, a one-operation document is keyed by its text alone.
      expect(store.has(queryPlanKey(document))).toBe(true);
    }
  });

  it("leaves subscriptions out: the gateway never executes them", async () => {
    expect(subscriptions.length).toBeGreaterThan(0);
    const store = new QueryPlanStore();
    const result = await new QueryPlanWarmer(store, () => subscriptions, logger).warm(supergraphSdl);
    expect(result).toMatchObject({ planned: 0, invalid: [], current: true });
    expect(store.keys()).toEqual([]);
  });

  it("the gateway executes with the warmed plans: no planning while a request waits", async () => {
    const { lookups, count } = counting();
    const store = new QueryPlanStore(lookups);
    const gateway = new ApolloGateway({ supergraphSdl: unreachable, queryPlannerConfig: { cache: store }, logger });
    const apollo = new ApolloServer({ gateway });
    await apollo.start();
    try {
      const document = documents.find((text) => nameOf(text) === "Products") as string;
      const run = (operationName?: string) =>
        apollo.executeOperation({ query: document, operationName, variables: { first: 1 } });

      await run("Products");
      expect([await count("hit"), await count("miss")]).toEqual([0, 1]);

      store.clear();
      await new QueryPlanWarmer(store, () => [document], logger).warm(supergraphSdl);
      await run("Products");
      await run();
      expect([await count("hit"), await count("miss")]).toEqual([2, 1]);
    } finally {
      await apollo.stop();
    }
  });

  it("files for every persisted operation the very plan the gateway makes itself", async () => {
    {
      // The gateway plans each operation as a request arrives.
      const made = new QueryPlanStore();
      const apollo = new ApolloServer({
        gateway: new ApolloGateway({ supergraphSdl: unreachable, queryPlannerConfig: { cache: made }, logger }),
      });
      await apollo.start();
      for (const document of documents)
        await apollo.executeOperation({
          query: document,
          operationName: nameOf(document),
          variables: sampleVariables(document),
        });
      await apollo.stop();

      const warmed = new QueryPlanStore();
      await new QueryPlanWarmer(warmed, () => documents, logger).warm(supergraphSdl);
      for (const document of documents) {
        const key = queryPlanKey(document, nameOf(document));
        const own = await made.get(key);
        expect(own, nameOf(document)).toBeDefined();
        expect(JSON.stringify(await warmed.get(key)), nameOf(document)).toBe(JSON.stringify(own));
      }
    }
  });

  it("plans an anonymous operation under the key of its text alone", async () => {
    const store = new QueryPlanStore();
    const document = "{ products(first: 1) { totalCount } }";
    expect(await new QueryPlanWarmer(store, () => [document], logger).warm(supergraphSdl)).toMatchObject({
      planned: 1,
      invalid: [],
    });
    expect(store.keys()).toEqual([queryPlanKey(document)]);
  });

  it("skips documents that are not valid against the supergraph, and plans the rest", async () => {
    const store = new QueryPlanStore();
    const result = await new QueryPlanWarmer(store, () => documents, logger).warm(composeWithout("posts"));

    const invalid = result.invalid.map((entry) => entry.operation);
    expect(invalid.length).toBeGreaterThan(0);
    expect(result.planned).toBe(documents.length - invalid.length);
    const postsOperation = documents.find((document) => /\bposts\s*\(/.test(document)) as string;
    expect(invalid).toContain(nameOf(postsOperation));
    expect(store.has(queryPlanKey(postsOperation, nameOf(postsOperation)))).toBe(false);
  });

  it("a newer supergraph supersedes a warm-up still running: none of the old plans is filed after it", async () => {
    const store = new QueryPlanStore();
    const warmer = new QueryPlanWarmer(store, () => documents, logger);
    const old = warmer.warm(supergraphSdl);
    // Let the first warm-up file a few plans, then change the schema as the gateway does: clear, warm.
    while (store.keys().length < 4) await new Promise((resolve) => setImmediate(resolve));
    store.clear();
    const newer = warmer.warm(composeWithout("posts"));

    const [oldResult, newResult] = await Promise.all([old, newer]);
    expect(oldResult.current).toBe(false);
    expect(oldResult.planned).toBeLessThan(documents.length);
    expect(newResult.current).toBe(true);
    // Exactly the newer supergraph's plans: nothing for the operations it cannot run.
    expect(store.keys().length).toBe(2 * newResult.planned);
    for (const { operation } of newResult.invalid) {
      const document = documents.find((text) => nameOf(text) === operation) as string;
      expect(store.has(queryPlanKey(document, operation))).toBe(false);
    }
  });
});
