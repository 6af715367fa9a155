import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type DocumentNode, parse } from "graphql";

/**
 * Reads a subgraph's `schema.graphql` from its package root. Sources (`src/index.ts`) and the built bundle
 * (`dist/main.js`) both sit one folder below it, so the same relative path serves both.
 */
export function loadSchemaFile(moduleUrl: string): DocumentNode {
  return parse(readFileSync(fileURLToPath(new URL("../schema.graphql", moduleUrl)), "utf8"));
}
