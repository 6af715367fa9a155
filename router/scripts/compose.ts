// `npm run compose`: recomposes router/supergraph.graphql from the subgraphs' schema files.
// `--check` fails (exit 1) when the checked-in file is stale, without writing it.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { composeSupergraph } from "../src/compose.ts";

const routerDir = join(import.meta.dirname, "..");
const target = join(routerDir, "supergraph.graphql");
const result = composeSupergraph(join(routerDir, ".."));
if ("errors" in result) {
  console.error(`Composition failed:\n${result.errors.map((error) => `  - ${error}`).join("\n")}`);
  process.exit(1);
}
let current = "";
try {
  current = readFileSync(target, "utf8");
} catch {}
if (current === result.supergraphSdl) {
  console.log("supergraph.graphql is up to date");
} else if (process.argv.includes("--check")) {
  console.error("router/supergraph.graphql is stale: run `npm run compose` and commit it.");
  process.exit(1);
} else {
  writeFileSync(target, result.supergraphSdl);
  console.log("wrote router/supergraph.graphql");
}
