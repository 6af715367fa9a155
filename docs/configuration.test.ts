import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { SUBGRAPHS } from "@supergraph/registry";
import { describe, expect, it } from "vitest";

// docs/configuration.md against the config schemas, the one source of every variable and default: a
// variable a schema adds fails here until it has a row, and a default written in the docs must be the
// schema's (or, for an on/off switch defaulted in code, what loadConfig({}) does).

const root = join(import.meta.dirname, "..");
// The registry's subgraphs, not the folders: a removed subgraph's leftovers (node_modules) are not one.
const subgraphNames = SUBGRAPHS.map((subgraph) => subgraph.name);

interface Schema {
  shape: Record<string, { safeParse(value: unknown): { success: boolean; data?: unknown } }>;
}
type Loader = (env: NodeJS.ProcessEnv) => unknown;

const isSchema = (value: unknown): value is Schema =>
  typeof value === "object" && value !== null && "shape" in value && "safeParse" in value;

// loadSubgraphConfig reads these two keys of the kit's subgraph schema as `<NAME>_PORT` and
// `<NAME>_DATABASE_URL`, one per subgraph.
const PER_SUBGRAPH = new Set(["PORT", "DATABASE_URL"]);

/** Every variable the services read: its schema entries (one per schema that has it) and the loaders to try. */
async function variables() {
  const modules = [
    { file: "packages/kit/src/config.ts", subgraph: undefined },
    { file: "router/src/config.ts", subgraph: undefined },
    ...subgraphNames.map((name) => ({ file: `subgraphs/${name}/src/config.ts`, subgraph: name })),
  ];
  const entries = new Map<string, Schema["shape"][string][]>();
  const loaders: Loader[] = [];
  const portOf = new Map<string, number>();
  for (const { file, subgraph } of modules) {
    const source = readFileSync(join(root, file), "utf8");
    const module = (await import(join(root, file))) as Record<string, unknown>;
    const schemas = Object.entries(module).filter((entry): entry is [string, Schema] => isSchema(entry[1]));
    if (/z\.object\(|\.extend\(/.test(source))
      expect(schemas.length, `${file} must export its env schema`).toBeGreaterThan(0);
    if (typeof module.loadConfig === "function") {
      const load = module.loadConfig as Loader;
      loaders.push(load);
      if (subgraph) portOf.set(subgraph, (load({}) as { port: number }).port);
    }
    for (const [exportName, schema] of schemas) {
      for (const [key, entry] of Object.entries(schema.shape)) {
        const perSubgraph = file.startsWith("packages/kit") && exportName === "subgraphEnv" && PER_SUBGRAPH.has(key);
        const names = perSubgraph ? subgraphNames.map((name) => `${name.toUpperCase()}_${key}`) : [key];
        for (const name of names) entries.set(name, [...(entries.get(name) ?? []), entry]);
      }
    }
  }
  return { entries, loaders, portOf };
}

/** The rows of the doc's tables: each variable named in a first cell, with its row's default cell. */
function documented(): Map<string, string> {
  const doc = readFileSync(join(root, "docs/configuration.md"), "utf8");
  const rows = new Map<string, string>();
  for (const line of doc.split("\n")) {
    if (!line.startsWith("| `")) continue;
    const [names = "", fallback = ""] = line.replace(/^\| /, "").split(" | ");
    for (const match of names.matchAll(/`([A-Z][A-Z0-9_]*)`/g))
      if (!rows.has(match[1] as string)) rows.set(match[1] as string, fallback);
  }
  return rows;
}

/** What an on/off switch defaults to, seen from the first loader it changes; undefined if none. */
function switchDefault(name: string, loaders: Loader[]): boolean | undefined {
  for (const load of loaders) {
    const on = load({ [name]: "true" });
    if (isDeepStrictEqual(on, load({ [name]: "false" }))) continue;
    return isDeepStrictEqual(load({}), on);
  }
  return undefined;
}

describe("docs/configuration.md", async () => {
  const { entries, loaders, portOf } = await variables();
  const rows = documented();

  it("lists every variable of every config schema, and only those", () => {
    expect(entries.size).toBeGreaterThan(50);
    const missing = [...entries.keys()].filter((name) => !rows.has(name));
    expect(missing, "variables without a row in docs/configuration.md").toEqual([]);
    const unknown = [...rows.keys()].filter((name) => !entries.has(name));
    expect(unknown, "rows naming a variable no config schema has").toEqual([]);
  });

  it("gives each variable the default its schema (or loadConfig) gives it", () => {
    for (const [name, schemaEntries] of entries) {
      const cell = rows.get(name);
      if (cell === undefined) continue;
      expect.soft(cell.trim(), `${name} needs a default (or "unset: …")`).not.toBe("");
      for (const entry of schemaEntries) {
        const parsed = entry.safeParse(undefined);
        let fallback = parsed.success ? parsed.data : undefined;
        const port = /^([A-Z]+)_PORT$/.exec(name)?.[1]?.toLowerCase();
        if (port && portOf.has(port)) fallback = portOf.get(port);
        const isSwitch = entry.safeParse("true").data === true && entry.safeParse("false").data === false;
        if (fallback === undefined && isSwitch) fallback = switchDefault(name, loaders);
        if (fallback !== undefined) expect.soft(cell, name).toContain(`\`${String(fallback)}\``);
      }
    }
  });
});
