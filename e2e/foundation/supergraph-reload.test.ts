import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { composeServices } from "@apollo/composition";
import { SUBGRAPHS } from "@supergraph/router";
import { parse } from "graphql";
import { afterAll, beforeAll, expect, it } from "vitest";
import { gql, type Stack, startStack } from "../harness.ts";

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

function composeWithout(excluded: string): string {
  const result = composeServices(
    SUBGRAPHS.filter((subgraph) => subgraph.name !== excluded).map((subgraph) => ({
      name: subgraph.name,
      url: `http://127.0.0.1:1/${subgraph.name}`,
      typeDefs: parse(readFileSync(join(root, subgraph.schema), "utf8")),
    })),
  );
  if (result.errors || !result.supergraphSdl) throw new Error(JSON.stringify(result.errors));
  return result.supergraphSdl;
}

async function eventually(check: () => Promise<boolean>): Promise<boolean> {
  for (let attempt = 0; attempt < 50; attempt++) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

it("reloads the supergraph when its file changes, without a restart", async () => {
  const router = await stack.startRouter({ SUPERGRAPH_PATH: file, WATCH_SUPERGRAPH: "true", RESPONSE_CACHE: "false" });
  const posts = () => gql(router.url, `{ posts(first: 1) { totalCount } }`);
  expect((await posts()).errors).toBeUndefined();

  writeFileSync(file, composeWithout("posts"));
  expect(await eventually(async () => (await posts()).errors?.[0]?.extensions?.code === "GRAPHQL_VALIDATION_FAILED")).toBe(true);
  expect((await gql(router.url, `{ products(first: 1) { totalCount } }`)).errors).toBeUndefined();

  copyFileSync(join(root, "router/supergraph.graphql"), file);
  expect(await eventually(async () => (await posts()).errors === undefined)).toBe(true);
  await router.close();
});
