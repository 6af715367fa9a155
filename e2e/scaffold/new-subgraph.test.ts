import { execFile } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { composeServices } from "@apollo/composition";
import { testDatabaseSettings } from "@supergraph/db/testing";
import { createLogger } from "@supergraph/kit/runtime";
import { schemaPath } from "@supergraph/registry";
import { loadConfig as loadRouterConfig, startRouter } from "@supergraph/router";
import { parse } from "graphql";
import { afterAll, describe, expect, it } from "vitest";
import { deployDrift } from "../../deploy/registry.ts";
import {
  generatePrismaClient,
  generateResolverTypes,
  readRegistry,
  scaffoldSubgraph,
} from "../../scripts/new-subgraph/scaffold.ts";
import { testEnv } from "../harness.ts";
import { type ServiceProcess, startProcess } from "../processes.ts";

// `npm run new:subgraph` (#27) on a temporary copy of what it edits: the scaffold must typecheck, compose
// with the real subgraphs, start, migrate its own database and answer through the real router. The
// checkout itself is never written to.
const root = join(import.meta.dirname, "../..");
const copy = mkdtempSync(join(tmpdir(), "new-subgraph-"));
const cleanup: Array<() => Promise<unknown> | unknown> = [() => rmSync(copy, { recursive: true, force: true })];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

/** The copy resolves packages as the checkout does; its own registry stands in for the checkout's. */
function linkDependencies(name: string): void {
  symlinkSync(join(root, "node_modules"), join(copy, "node_modules"));
  const modules = join(copy, "subgraphs", name, "node_modules");
  const template = join(root, "subgraphs/products/node_modules");
  mkdirSync(join(modules, "@supergraph"), { recursive: true });
  for (const entry of readdirSync(template)) {
    if (entry !== "@supergraph" && entry !== ".bin") symlinkSync(join(template, entry), join(modules, entry));
  }
  for (const entry of readdirSync(join(template, "@supergraph"))) {
    const target = entry === "registry" ? join(copy, "packages/registry") : join(template, "@supergraph", entry);
    symlinkSync(target, join(modules, "@supergraph", entry));
  }
}

describe("npm run new:subgraph", { timeout: 120_000 }, () => {
  let subgraph: ServiceProcess | undefined;

  it("scaffolds a subgraph that typechecks, composes, starts on its own database and answers through the router", async () => {
    for (const path of [
      "packages/registry",
      "deploy",
      "tsconfig.base.json",
      "docs/configuration.md",
      "sdk/operations",
      "router/api-schema.graphql",
    ]) {
      cpSync(join(root, path), join(copy, path), {
        recursive: true,
        filter: (source) => !source.includes("node_modules"),
      });
    }
    const added = await scaffoldSubgraph(copy, "gadgets");
    expect(added.port).toBe(Math.max(...readRegistry(root).map((entry) => entry.port)) + 1);
    expect(readRegistry(copy).map((entry) => entry.name)).toEqual([
      ...readRegistry(root).map((entry) => entry.name),
      "gadgets",
    ]);
    expect(readdirSync(join(copy, "prisma/gadgets/migrations")).some((entry) => /^\d{14}_init$/.test(entry))).toBe(
      true,
    );
    // Its variables documented (docs/configuration.test.ts fails on one without a row), with its port.
    const documented = readFileSync(join(copy, "docs/configuration.md"), "utf8");
    for (const variable of ["GADGETS_URL", "GADGETS_TIMEOUT_MS", "GADGETS_DATABASE_URL"])
      expect(documented).toContain(`| \`${variable}\` |`);
    expect(documented).toContain(`| \`GADGETS_PORT\` | \`${added.port}\` |`);
    // A name whose variables are others' (REDIS_URL) is refused before anything is written.
    await expect(scaffoldSubgraph(copy, "redis")).rejects.toThrow("REDIS_URL is already a setting");
    // So is one whose entity type would clash with another subgraph's (`user` beside `users`).
    await expect(scaffoldSubgraph(copy, "user")).rejects.toThrow(
      "the type User it would own is already in the supergraph",
    );
    expect(
      deployDrift(copy, [...readRegistry(root).map((entry) => ({ ...entry, calls: [] })), added]).filter((problem) =>
        problem.includes("gadgets"),
      ),
    ).toEqual([]);

    linkDependencies("gadgets");
    generatePrismaClient(copy, "gadgets");
    generateResolverTypes(copy, "gadgets");
    const tsc = join(createRequire(join(root, "package.json")).resolve("typescript/package.json"), "../bin/tsc");
    // Typechecked while it starts and answers: the slowest step, on two cores.
    const typecheck = promisify(execFile)(process.execPath, [tsc, "-p", join(copy, "subgraphs/gadgets"), "--noEmit"], {
      encoding: "utf8",
    }).then(
      () => "",
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );

    const database = await testDatabaseSettings("gadgets");
    cleanup.push(() => database.drop());
    subgraph = await startProcess(
      join(copy, "subgraphs/gadgets/src/main.ts"),
      // Development mode seeds its demo rows.
      { NODE_ENV: "development", GADGETS_PORT: "0", ...database.env },
      /"url":"(http:\/\/[^"]+\/graphql)","msg":"gadgets subgraph listening"/,
    );
    const running = subgraph;
    cleanup.push(() => {
      running.child.kill("SIGTERM");
      return running.exit;
    });

    const composed = composeServices(
      readRegistry(copy).map(({ name }) => ({
        name,
        url: name === "gadgets" ? running.url : `http://127.0.0.1:1/${name}`,
        typeDefs: parse(
          readFileSync(join(existsSync(join(copy, schemaPath(name))) ? copy : root, schemaPath(name)), "utf8"),
        ),
      })),
    );
    expect(composed.errors?.map((error) => error.message) ?? []).toEqual([]);
    const supergraphPath = join(copy, "supergraph.graphql");
    writeFileSync(supergraphPath, composed.supergraphSdl ?? "");

    const router = await startRouter(
      loadRouterConfig(testEnv({ PORT: "0", SUPERGRAPH_PATH: supergraphPath })),
      createLogger("router", process.env.TEST_LOG_LEVEL ?? "silent"),
    );
    cleanup.push(() => router.close());
    const query = async (text: string) => {
      const response = await fetch(router.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: text }),
      });
      return (await response.json()) as { data?: Record<string, unknown>; errors?: unknown };
    };
    const first = "00000000-0000-4000-a000-000000000001";
    const answer = await query(
      `{ gadgets(first: 2) { edges { node { name } } pageInfo { hasNextPage } totalCount } gadget(id: "${first}") { id name createdAt } }`,
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.gadgets).toMatchObject({ edges: [{}, {}], pageInfo: { hasNextPage: true }, totalCount: 3 });
    expect(answer.data?.gadget).toMatchObject({ id: first, name: "First gadget" });
    // The SDK's operations it wrote run as they are.
    const sdkOperations = readFileSync(join(copy, "sdk/operations/gadgets.graphql"), "utf8");
    for (const [operationName, variables] of [
      ["Gadget", { id: first }],
      ["Gadgets", { first: 1 }],
    ] as const) {
      const response = await fetch(router.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: sdkOperations, operationName, variables }),
      });
      const result = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown };
      expect([operationName, result.errors]).toEqual([operationName, undefined]);
    }
    expect(await typecheck).toBe("");
  });
});
