import type { ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { realPostgresAvailable, testDatabaseSettings } from "@supergraph/db/testing";
import { entryPath, portVariable, SUBGRAPHS as REGISTRY, urlVariable } from "@supergraph/registry";
import { freePort, nodePid, spawnPinned, stop } from "../processes.ts";
import { routerImage } from "../router-image.ts";

// Our own four subgraphs (from their sources, on the other core) and the router as its image runs it
// (pinned), each subgraph on a fresh database of its own, migrated and seeded with the demo data.
const repoRoot = join(import.meta.dirname, "../../..");
const SUBGRAPHS = REGISTRY.map((subgraph) => subgraph.name);

/** What every service of our supergraph runs with in the bench (quiet logs, cheap password hashing, fixed secrets). */
export const SERVICE_ENV = {
  NODE_ENV: "development",
  LOG_LEVEL: "warn",
  HOST: "127.0.0.1",
  PASSWORD_HASH_COST: "12",
  // The load signs its users up from one address.
  SIGNUP_MAX_PER_IP_PER_HOUR: "1000000",
  // Each of the mix's buyers places dozens of orders in a run, and never ships them.
  MAX_OPEN_ORDERS: "1000000",
  MAX_OPEN_QUANTITY: "1000000000",
  JWT_SECRET: "b".repeat(40),
  INTERNAL_TOKEN_SECRET: "c".repeat(40),
};

export type DatabaseKind = "postgres" | "embedded";

export interface OwnSupergraph {
  url: string;
  internalUrl: string;
  subgraphUrls: string[];
  /** Each subgraph's process id, by name. */
  subgraphPids: Record<string, number>;
  /** The router's process (its output is not read unless a caller reads it). */
  router: ChildProcess;
  close(): Promise<void>;
}

/** PostgreSQL when one answers, else the embedded default. */
export const bestDatabase = async (): Promise<DatabaseKind> =>
  (await realPostgresAvailable()) ? "postgres" : "embedded";

export async function metric(url: string, prefix: string, labelFilter = ""): Promise<number> {
  const response = await fetch(new URL("/metrics", url));
  if (!response.ok) throw new Error(`GET /metrics on ${url} answered ${response.status}`);
  const text = await response.text();
  return text
    .split("\n")
    .filter((line) => line.startsWith(prefix) && line.includes(labelFilter))
    .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
}

export async function gql(url: string, query: string, variables: Record<string, unknown> = {}, token?: string) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown };
  if (body.errors) throw new Error(`${query.slice(0, 60)}: ${JSON.stringify(body.errors)}`);
  return body.data ?? {};
}

/** The demo admin's token (the seed's account). */
export async function adminToken(url: string): Promise<string> {
  const data = await gql(url, `mutation { logIn(email: "admin@example.com", password: "admin-password") { token } }`);
  return (data.logIn as { token: string }).token;
}

async function waitHealthy(url: string, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode})`);
    try {
      if ((await fetch(new URL("/health/ready", url))).ok) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what} not ready after 120 s`);
}

/** Starts the subgraphs, then the router with `routerEnv` added to the bench's settings. */
export async function startOwnSupergraph(
  kind: DatabaseKind,
  routerEnv: Record<string, string> = {},
): Promise<OwnSupergraph> {
  const children: ChildProcess[] = [];
  const databases = await Promise.all(
    SUBGRAPHS.map(async (name) =>
      kind === "postgres"
        ? testDatabaseSettings(name)
        : { env: { DATA_DIR: mkdtempSync(join(tmpdir(), `bench-${name}-`)) }, drop: async () => {} },
    ),
  );
  const close = async () => {
    for (const child of children.reverse()) await stop(child);
    await Promise.all(databases.map((database) => database.drop()));
  };
  try {
    const urls: Record<string, string> = {};
    const subgraphPids: Record<string, number> = {};
    // In registry order: a subgraph starts after those it calls, and is given their URLs.
    for (const [index, { name, calls }] of REGISTRY.entries()) {
      const port = await freePort();
      urls[name] = `http://127.0.0.1:${port}/graphql`;
      const child = spawnPinned(
        "others",
        ["--import", "tsx", join(repoRoot, entryPath(name))],
        {
          ...SERVICE_ENV,
          ...databases[index]?.env,
          [portVariable(name)]: String(port),
          ...Object.fromEntries(calls.map((callee) => [urlVariable(callee), urls[callee] ?? ""])),
        },
        repoRoot,
      );
      children.push(child);
      subgraphPids[name] = nodePid(child);
      await waitHealthy(urls[name], child, name);
    }
    const [routerPort, internalPort] = [await freePort(), await freePort()];
    const router = spawnPinned(
      "gateway",
      ["dist/main.js"],
      {
        ...SERVICE_ENV,
        NODE_ENV: "production",
        LOG_LEVEL: "info",
        PORT: String(routerPort),
        INTERNAL_PORT: String(internalPort),
        RATE_LIMIT_PER_MINUTE: "100000000",
        PLAYGROUND: "false",
        SHUTDOWN_DRAIN_DELAY_MS: "0",
        ...Object.fromEntries(SUBGRAPHS.map((name) => [urlVariable(name), urls[name]])),
        ...routerEnv,
      },
      routerImage(),
    );
    children.push(router);
    const url = `http://127.0.0.1:${routerPort}/graphql`;
    await waitHealthy(url, router, "router");
    return {
      url,
      internalUrl: `http://127.0.0.1:${internalPort}`,
      subgraphUrls: Object.values(urls),
      subgraphPids,
      router,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
