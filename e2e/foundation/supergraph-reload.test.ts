import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { composeSupergraph } from "@supergraph/router";
import { createClient } from "@supergraph/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { capturingLogger, gql, metricTotal, type Stack, startStack } from "../harness.ts";

// In development the router watches its supergraph file and swaps schemas without a restart.
const root = join(import.meta.dirname, "../..");
let stack: Stack;
let file: string;
beforeAll(async () => {
  stack = await startStack();
  file = join(mkdtempSync(join(tmpdir(), "supergraph-")), "supergraph.graphql");
  copyFileSync(join(root, "router/supergraph.graphql"), file);
});
afterAll(() => stack?.close());

function composeWithout(without: string): string {
  const result = composeSupergraph(root, { without });
  if ("errors" in result) throw new Error(result.errors.join("; "));
  return result.supergraphSdl;
}

async function eventually(check: () => Promise<boolean>): Promise<boolean> {
  for (let attempt = 0; attempt < 50; attempt++) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

it("reloads the supergraph when its file changes, without a restart, and plans the persisted operations again", async () => {
  const { lines, logger } = capturingLogger("router", "info");
  const router = await stack.startRouter(
    { SUPERGRAPH_PATH: file, WATCH_SUPERGRAPH: "true", RESPONSE_CACHE: "false" },
    logger,
  );
  const posts = () => gql(router.url, `{ posts(first: 1) { totalCount } }`);
  const warmUps = () =>
    lines
      .filter((line) => line.includes("query plans warmed"))
      .map((line) => JSON.parse(line) as { planned: number; skipped?: number; invalid?: Array<{ operation: string }> });
  // Subscriptions are not warmed: the gateway never executes them (the router's subscriptions/ plans them).
  const manifestSize = new Set(
    (
      JSON.parse(readFileSync(join(root, "sdk/persisted-operations.json"), "utf8")) as {
        operations: Array<{ body: string; type: string }>;
      }
    ).operations
      .filter((operation) => operation.type !== "subscription")
      .map((operation) => operation.body),
  ).size;
  expect(warmUps()).toEqual([expect.objectContaining({ planned: manifestSize })]);
  expect((await posts()).errors).toBeUndefined();

  writeFileSync(file, composeWithout("posts"));
  expect(
    await eventually(async () => (await posts()).errors?.[0]?.extensions?.code === "GRAPHQL_VALIDATION_FAILED"),
  ).toBe(true);
  expect((await gql(router.url, `{ products(first: 1) { totalCount } }`)).errors).toBeUndefined();
  // The SDK's posts operations cannot run on this supergraph: planned are the others, and the warning names them.
  expect(await eventually(async () => warmUps().length === 2)).toBe(true);
  const withoutPosts = warmUps()[1];
  expect(withoutPosts?.invalid?.map((entry) => entry.operation)).toContain("CreatePost");
  expect(withoutPosts?.skipped).toBeGreaterThan(0);
  expect(withoutPosts?.planned).toBe(manifestSize - (withoutPosts?.skipped ?? 0));

  copyFileSync(join(root, "router/supergraph.graphql"), file);
  expect(await eventually(async () => (await posts()).errors === undefined)).toBe(true);
  expect(await eventually(async () => warmUps().length === 3)).toBe(true);
  expect(warmUps()[2]).toEqual(expect.objectContaining({ planned: manifestSize }));
  // Its plan was made by the warm-up: the SDK's first Posts request after the reload finds it.
  const misses = () => metricTotal(router.internalUrl, `query_plan_cache_requests_total{result="miss"`);
  const before = await misses();
  expect((await createClient({ url: router.url }).posts({ first: 1 })).posts).toBeDefined();
  expect(await misses()).toBe(before);
  await router.close();
});
