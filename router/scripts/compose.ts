// `npm run compose`: recomposes router/supergraph.graphql (what the router loads) and
// router/api-schema.graphql (the public API clients see) from the subgraphs' schema files.
// `--check` fails (exit 1) when a checked-in file is stale, without writing it.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { composeSupergraph } from "../src/gateway/compose.ts";

const routerDir = join(import.meta.dirname, "..");
const result = composeSupergraph(join(routerDir, ".."));
if ("errors" in result) {
  console.error(`Composition failed:\n${result.errors.map((error) => `  - ${error}`).join("\n")}`);
  process.exit(1);
}
let stale = false;
for (const [file, content] of [
  ["supergraph.graphql", result.supergraphSdl],
  ["api-schema.graphql", result.apiSchemaSdl],
] as const) {
  const target = join(routerDir, file);
  let current = "";
  try {
    current = readFileSync(target, "utf8");
  } catch {}
  if (current === content) continue;
  if (process.argv.includes("--check")) {
    console.error(`router/${file} is stale: run \`npm run compose\` and commit it.`);
    stale = true;
  } else {
    writeFileSync(target, content);
    console.log(`wrote router/${file}`);
  }
}
process.exit(stale ? 1 : 0);
