import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testDatabaseSettings } from "@supergraph/db/testing";
import { portVariable } from "@supergraph/registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SUBGRAPH_NAMES } from "../../scripts/services.ts";

// `npm run dev` (scripts/dev.ts) on a copy of the workspace, whose files the test edits as a developer
// would: a change to a subgraph's code restarts it, and a change to its schema recomposes the supergraph,
// which the router reloads. The checkout itself is never written to.
const root = join(import.meta.dirname, "../..");
const copy = mkdtempSync(join(tmpdir(), "dev-"));
const cleanup: Array<() => Promise<unknown> | unknown> = [() => rmSync(copy, { recursive: true, force: true })];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

/**
 * A port free now, below the kernel's ephemeral range (32768 and up): dev's services bind theirs seconds
 * later, and a port from listen(0) could be taken meanwhile by any connection of the other tests.
 */
async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer()
        .once("error", () => resolve(false))
        .listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

/** The workspace's files without installed or generated state, and its packages' node_modules linked. */
function copyWorkspace(): void {
  const skipped = new Set(["node_modules", ".git", ".data", ".turbo", "coverage"]);
  cpSync(root, copy, {
    recursive: true,
    filter: (source) => !source.split("/").some((part) => skipped.has(part)),
  });
  const packages = [
    "packages/db",
    "packages/kit",
    "packages/registry",
    ...SUBGRAPH_NAMES.map((name) => `subgraphs/${name}`),
  ];
  for (const dir of [".", "router", "deploy", "sdk", "playground", ...packages]) {
    if (existsSync(join(root, dir, "node_modules")))
      symlinkSync(join(root, dir, "node_modules"), join(copy, dir, "node_modules"));
  }
}

describe("npm run dev", { timeout: 180_000 }, () => {
  let dev: ChildProcess;
  let output = "";
  let url = "";

  /** Resolves when the output printed after `from` matches `pattern`. */
  const printed = (pattern: RegExp, from: number, timeoutMs = 150_000) =>
    new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const check = () => {
        if (pattern.test(output.slice(from))) return resolve();
        if (dev.exitCode !== null)
          return reject(new Error(`npm run dev exited (${dev.exitCode}):\n${output.slice(-3000)}`));
        if (Date.now() - started > timeoutMs) return reject(new Error(`no ${pattern} in:\n${output.slice(-3000)}`));
        setTimeout(check, 100);
      };
      check();
    });

  const query = async (text: string) => {
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: text }),
      });
      return (await response.json()) as { data?: Record<string, unknown> | null; errors?: unknown[] };
    } catch (error) {
      return { errors: [String(error)] };
    }
  };
  /** Asks until the answer has `field` equal to `value` (the services restart and reload meanwhile). */
  const until = async (text: string, field: string, value: unknown) => {
    let last: unknown;
    for (const started = Date.now(); Date.now() - started < 120_000; ) {
      const answer = await query(text);
      if (answer.data?.[field] === value) return answer;
      last = answer;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(
      `no ${field}: ${JSON.stringify(value)} from ${text}; last answer ${JSON.stringify(last)}\n${output.slice(-3000)}`,
    );
  };

  beforeAll(async () => {
    copyWorkspace();
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: "development", LOG_LEVEL: "info" };
    for (const name of SUBGRAPH_NAMES) {
      const database = await testDatabaseSettings(name);
      cleanup.push(() => database.drop());
      Object.assign(env, database.env);
      env[portVariable(name)] = String(await freePort());
    }
    env.PORT = String(await freePort());
    env.INTERNAL_PORT = String(await freePort());
    url = `http://localhost:${env.PORT}/graphql`;
    dev = spawn(process.execPath, ["--import", "tsx", join(copy, "scripts/dev.ts")], {
      cwd: copy,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group, as a terminal's: Ctrl-C is sent to the group (see the end of the test).
      detached: true,
    });
    dev.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    dev.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    cleanup.push(() => {
      if (dev.exitCode === null && dev.pid) process.kill(-dev.pid, "SIGKILL");
    });
    await printed(/Supergraph ready\n/, 0);
  }, 180_000);

  it("restarts a subgraph whose code or schema changed, recomposes the supergraph, and stops gracefully on Ctrl-C", async () => {
    expect((await query("{ products(first: 1) { totalCount } }")).data?.products).toMatchObject({
      totalCount: expect.any(Number),
    });

    // A new field, in the schema and in its resolvers, as a developer adds one.
    const schema = join(copy, "subgraphs/products/schema.graphql");
    const resolvers = join(copy, "subgraphs/products/src/resolvers/query.ts");
    const original = readFileSync(schema, "utf8");
    expect(original).toContain("type Query {");
    const from = output.length;
    writeFileSync(
      resolvers,
      readFileSync(resolvers, "utf8").replace(
        "export const Query = {",
        'export const Query = {\n  devProbe: () => "edited",',
      ),
    );
    writeFileSync(schema, original.replace("type Query {", "type Query {\n  devProbe: String"));
    await printed(/supergraph recomposed after subgraphs\/products\/schema\.graphql changed/, from);
    await until("{ devProbe }", "devProbe", "edited");
    expect(readFileSync(join(copy, "router/supergraph.graphql"), "utf8")).toContain("devProbe: String");
    // The resolver types follow the schema.
    expect(readFileSync(join(copy, "subgraphs/products/src/generated/resolvers.ts"), "utf8")).toContain("devProbe");

    // A schema that does not compose: said, the router keeps the last supergraph, and the subgraph, which
    // cannot start on it, is reported.
    const broken = output.length;
    writeFileSync(schema, original.replace("type Query {", "type Query {\n  devProbe: NoSuchType"));
    await printed(/products's schema does not compose; the router keeps the last supergraph/, broken);
    await printed(/products exited \(code 1\)/, broken);
    expect(readFileSync(join(copy, "router/supergraph.graphql"), "utf8")).toContain("devProbe: String");
    // One that does not parse (saved half-typed) is said too, and dev goes on.
    const half = output.length;
    writeFileSync(schema, `${original}\ntype Half {`);
    await printed(/products's schema does not compose[^\n]*\n[^\n]*Syntax Error/, half);
    // Mended: served again.
    const mended = output.length;
    writeFileSync(schema, original.replace("type Query {", "type Query {\n  devProbe: String"));
    await printed(/products subgraph listening/, mended);
    await until("{ devProbe }", "devProbe", "edited");
    // Code alone (a resolver, deep in src/): the subgraph restarts on it.
    const recoded = output.length;
    writeFileSync(resolvers, readFileSync(resolvers, "utf8").replace('() => "edited"', '() => "edited again"'));
    await printed(/↻ products: subgraphs\/products\/src\/resolvers\/query\.ts changed/, recoded);
    await until("{ devProbe }", "devProbe", "edited again");

    // Ctrl-C, as a terminal sends it (to the whole group): every service stops gracefully, and so does dev.
    const stopped = output.length;
    const exited = new Promise<number | null>((resolve) => dev.once("exit", resolve));
    process.kill(-(dev.pid as number), "SIGINT");
    expect(await exited).toBe(0);
    for (const name of ["router", ...SUBGRAPH_NAMES])
      expect(output.slice(stopped), name).toMatch(new RegExp(`\\[${name.padEnd(8)}\\][^\\n]*stopped`));
    expect((await query("{ devProbe }")).errors?.[0]).toMatch(/ECONNREFUSED|fetch failed/);
  });
});
