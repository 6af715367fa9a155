import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { createLogger } from "@supergraph/kit";
import { Counter, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { composeSupergraph } from "./compose.ts";
import { QueryPlanStore, QueryPlanWarmer, queryPlanKey } from "./query-plans.ts";

const root = join(import.meta.dirname, "../..");
const supergraphSdl = readFileSync(join(root, "router/supergraph.graphql"), "utf8");
const manifest = JSON.parse(readFileSync(join(root, "sdk/persisted-operations.json"), "utf8")) as Record<string, string>;
const documents = [...new Set(Object.values(manifest))];
const logger = createLogger("router", "silent");
const nameOf = (document: string) => /\b(?:query|mutation)\s+(\w+)/.exec(document)?.[1] as string;

/** The supergraph without one subgraph (as after a reload that dropped it). */
function composeWithout(without: string): string {
  const result = composeSupergraph(root, { without });
  if ("errors" in result) throw new Error(result.errors.join("; "));
  return result.supergraphSdl;
}

function counting() {
  const lookups = new Counter({ name: "lookups", help: "-", labelNames: ["result"] as const, registers: [new Registry()] });
  const count = async (result: "hit" | "miss") => (await lookups.get()).values.find((value) => value.labels.result === result)?.value ?? 0;
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

  it("the gateway executes with the warmed plans: no planning while a request waits", async () => {
    const { lookups, count } = counting();
    const store = new QueryPlanStore(lookups);
    // Subgraphs at a closed port: execution fails at the fetch, after the plan was looked up.
    const gateway = new ApolloGateway({ supergraphSdl: supergraphSdl.replaceAll(/http:\/\/[^"]+/g, "http://127.0.0.1:1/graphql"), queryPlannerConfig: { cache: store }, logger });
    const apollo = new ApolloServer({ gateway });
    await apollo.start();
    try {
      const document = documents.find((text) => nameOf(text) === "Products") as string;
      const run = (operationName?: string) => apollo.executeOperation({ query: document, operationName, variables: { first: 1 } });

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

  it("plans an anonymous operation under the key of its text alone", async () => {
    const store = new QueryPlanStore();
    const document = "{ products(first: 1) { totalCount } }";
    expect(await new QueryPlanWarmer(store, () => [document], logger).warm(supergraphSdl)).toMatchObject({ planned: 1, invalid: [] });
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
