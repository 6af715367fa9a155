// What `npm run new:subgraph <name>` writes, on any repository root (the command's is the checkout; the
// e2e test's is a temporary copy): the subgraph's folder, its Prisma schema and first migration, its SDK
// operations, its line in the registry, its lines in the deploy files and its rows in docs/configuration.md.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { databaseVariable, envPrefix, portVariable, type Subgraph, urlVariable } from "@supergraph/registry";
import { insertAfterLast, wireSubgraph } from "../../deploy/registry.ts";
import { createMigration, prismaProject } from "../../packages/db/src/index.ts";
import { namesOf, subgraphFiles } from "./templates.ts";

export { generateResolverTypes } from "../resolver-types.ts";

export const REGISTRY_FILE = "packages/registry/src/subgraphs.ts";
const CONFIGURATION_DOC = "docs/configuration.md";
const API_SCHEMA = "router/api-schema.graphql";

/** The variables a subgraph named `name` adds (the router's and its own). */
const variablesOf = (name: string) => [
  urlVariable(name),
  `${envPrefix(name)}_TIMEOUT_MS`,
  portVariable(name),
  databaseVariable(name),
];

/** The registry's lines, read from its source (a copy's registry is not the one this process imported). */
export function readRegistry(root: string): Array<{ name: string; port: number }> {
  const text = readFileSync(join(root, REGISTRY_FILE), "utf8");
  return [...text.matchAll(/\{ name: "(\w+)", port: (\d+),/g)].map((match) => ({
    name: match[1] ?? "",
    port: Number(match[2]),
  }));
}

/** Why `name` cannot be a new subgraph's name, or null when it can. */
export function invalidName(root: string, name: string): string | null {
  if (!/^[a-z][a-z0-9]{1,30}$/.test(name))
    return "use 2-31 lowercase letters and digits, starting with a letter (it names env variables, a database and a package)";
  if (name === "router") return "the router is not a subgraph";
  // REDIS_URL, INTERNAL_PORT, SUBGRAPH_TIMEOUT_MS…: a name whose variables are already others'.
  const documented = existsSync(join(root, CONFIGURATION_DOC))
    ? readFileSync(join(root, CONFIGURATION_DOC), "utf8")
    : "";
  const taken = variablesOf(name).find((variable) => documented.includes(`| \`${variable}\` |`));
  if (taken) return `${taken} is already a setting (${CONFIGURATION_DOC})`;
  // `user` beside `users`: its entity type or query fields would clash with another subgraph's.
  // Read as text: the scripts do not depend on graphql (the printed schema has one definition per line).
  const api = existsSync(join(root, API_SCHEMA)) ? readFileSync(join(root, API_SCHEMA), "utf8") : "";
  const { Type, one, many } = namesOf(name);
  if (new RegExp(`^(type|interface|union|enum|input|scalar) ${Type}\\b`, "m").test(api))
    return `the type ${Type} it would own is already in the supergraph (${API_SCHEMA})`;
  const query = /^type Query \{([\s\S]*?)^\}/m.exec(api)?.[1] ?? "";
  const field = [one, many].find((candidate) => new RegExp(`^  ${candidate}[(:]`, "m").test(query));
  if (field) return `the query field ${field} it would add is already in the supergraph (${API_SCHEMA})`;
  if (readRegistry(root).some((entry) => entry.name === name)) return `${REGISTRY_FILE} already lists it`;
  for (const dir of [`subgraphs/${name}`, `prisma/${name}`])
    if (existsSync(join(root, dir))) return `${dir} already exists`;
  return null;
}

/** Writes the new subgraph into `root` and wires it in; returns its registry entry. */
export async function scaffoldSubgraph(root: string, name: string): Promise<Subgraph> {
  const problem = invalidName(root, name);
  if (problem) throw new Error(`Cannot add a subgraph named ${JSON.stringify(name)}: ${problem}.`);
  const subgraph: Subgraph = {
    name,
    port: Math.max(4000, ...readRegistry(root).map((entry) => entry.port)) + 1,
    calls: [],
  };

  // The edits of files that may have changed shape are made in memory first: a refusal writes nothing.
  const registry = readFileSync(join(root, REGISTRY_FILE), "utf8");
  if (!registry.includes("\n] as const;"))
    throw new Error(
      `${REGISTRY_FILE} changed shape: add { name: "${name}", port: ${subgraph.port}, calls: [] } by hand.`,
    );
  const documented = withVariableRows(readFileSync(join(root, CONFIGURATION_DOC), "utf8"), subgraph);

  for (const [path, content] of Object.entries(subgraphFiles(namesOf(name)))) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  writeFileSync(
    join(root, REGISTRY_FILE),
    registry.replace("\n] as const;", `\n  { name: "${name}", port: ${subgraph.port}, calls: [] },\n] as const;`),
  );
  wireSubgraph(root, subgraph);
  writeFileSync(join(root, CONFIGURATION_DOC), documented);
  await createMigration(prismaProject(join(root, "prisma", name)), "init");
  return subgraph;
}

/** docs/configuration.md with its variables' rows beside the other subgraphs' (docs/configuration.test.ts wants one each). */
function withVariableRows(doc: string, { name, port }: Subgraph): string {
  const [url, timeout, ownPort, database] = variablesOf(name);
  const rows: Array<[RegExp, string]> = [
    [
      /^\| `[A-Z0-9]+_URL` \| unset: the routing URL in the supergraph/,
      `| \`${url}\` | unset: the routing URL in the supergraph (\`http://127.0.0.1:${port}/graphql\`) | where the ${name} subgraph is |`,
    ],
    [
      /^\| `[A-Z0-9]+_TIMEOUT_MS` \| unset: `SUBGRAPH_TIMEOUT_MS`/,
      `| \`${timeout}\` | unset: \`SUBGRAPH_TIMEOUT_MS\` | the ${name} subgraph's timeout |`,
    ],
    [
      /^\| `[A-Z0-9]+_PORT` \| `\d+` \| the \w+ subgraph's port \|$/,
      `| \`${ownPort}\` | \`${port}\` | the ${name} subgraph's port |`,
    ],
    [
      /^\| `[A-Z0-9]+_DATABASE_URL` \| unset: embedded Postgres/,
      `| \`${database}\` | unset: embedded Postgres | as above, the ${name} database |`,
    ],
  ];
  return rows.reduce((text, [after, row]) => insertAfterLast(text, after, row, CONFIGURATION_DOC), doc);
}

/**
 * `prisma generate` for one subgraph. It first tries to download the native schema engine, which fails
 * offline, and skips that when PRISMA_SCHEMA_ENGINE_BINARY names an existing file (as packages/db's
 * generate does).
 */
export function generatePrismaClient(root: string, name: string): void {
  const require = createRequire(join(import.meta.dirname, "../../packages/db/package.json"));
  const prismaCli = join(dirname(require.resolve("prisma/package.json")), "build/index.js");
  const result = spawnSync(
    process.execPath,
    [prismaCli, "generate", "--schema", join(root, "prisma", name, "schema.prisma")],
    {
      encoding: "utf8",
      env: {
        ...process.env,
        PRISMA_SCHEMA_ENGINE_BINARY: process.execPath,
        PRISMA_HIDE_UPDATE_MESSAGE: "1",
        CHECKPOINT_DISABLE: "1",
      },
    },
  );
  if (result.status !== 0)
    throw new Error(`prisma generate failed for prisma/${name}:\n${result.stdout}${result.stderr}`);
}
