// `npm run new:subgraph <name>`: a working subgraph in one step. Writes subgraphs/<name>/ and
// prisma/<name>/ (schema and first migration) and sdk/operations/<name>.graphql, adds its line to the
// registry, the deploy files and docs/configuration.md, installs and generates its Prisma client and
// resolver types, recomposes router/supergraph.graphql and regenerates the SDK.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { envPrefix } from "@supergraph/registry";
import { generateResolverTypes, invalidName, scaffoldSubgraph } from "./scaffold.ts";

const root = join(import.meta.dirname, "../..");
const [name] = process.argv.slice(2);
const problem = name ? invalidName(root, name) : "give it a name";
if (!name || problem) {
  console.error(`usage: npm run new:subgraph <name>   (e.g. reviews)\n${problem ?? ""}`);
  process.exit(64);
}
const failed = (what: string, status: number) => {
  console.error(
    `new:subgraph: ${what} failed; the files are written, fix the cause and run \`npm run setup && npm run codegen && npm run compose\`.`,
  );
  process.exit(status);
};
const step = (what: string, command: string[]) => {
  console.log(`new:subgraph: ${what}…`);
  const result = spawnSync(process.execPath, command, { cwd: root, stdio: "inherit" });
  if (result.status !== 0) failed(what, result.status ?? 1);
};

const subgraph = await scaffoldSubgraph(root, name);
console.log(
  `new:subgraph: wrote subgraphs/${name}/, prisma/${name}/ and its first migration, sdk/operations/${name}.graphql, its registry line (port ${subgraph.port}), its deploy lines and its rows in docs/configuration.md.`,
);
step("installing and generating Prisma clients", ["scripts/setup.mjs"]);
console.log("new:subgraph: generating its resolver types…");
try {
  generateResolverTypes(root, name);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  failed("generating its resolver types", 1);
}
step("composing the supergraph", ["scripts/pnpm.mjs", "--filter", "@supergraph/router", "compose"]);
step("generating the SDK's operations", ["scripts/pnpm.mjs", "--filter", "@supergraph/sdk", "codegen"]);
// The written files and edited lines in the workspace's format (`npm test` checks it).
step("formatting", [
  "scripts/pnpm.mjs",
  "exec",
  "biome",
  "format",
  "--write",
  `subgraphs/${name}`,
  "packages/registry",
]);
console.log(`
  ✔ The ${name} subgraph is part of the supergraph. Next:
    - subgraphs/${name}/schema.graphql and src/resolvers/: your types and fields (then \`npm run compose\`
      and \`npm run codegen\` for their resolver types and the SDK)
    - sdk/operations/${name}.graphql: an operation for every query and mutation field (the SDK's test asks)
    - prisma/${name}/schema.prisma: your tables (then \`npm run db:migration -- ${name} <change>\`)
    - if it calls another subgraph directly: \`calls\` in its line of packages/registry/src/subgraphs.ts
      (deploy/registry.test.ts then says which deploy lines to add)
    - production: create the ${envPrefix(name)}_DATABASE_URL secret (deploy/k8s/overlays/prod/README.md)
    - end-to-end tests: "@supergraph/${name}": "workspace:*" in e2e/package.json (then \`npm run setup\`),
      and start it in e2e/harness.ts beside the others
  \`npm run dev\` starts it with the others (restart a \`npm run dev\` already running); commit everything
  \`git status\` shows.
`);
