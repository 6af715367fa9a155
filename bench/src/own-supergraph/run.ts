import type { ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { realPostgresAvailable, testDatabaseSettings } from "@supergraph/db/testing";
import { entryPath, portVariable, SUBGRAPHS as REGISTRY, urlVariable } from "@supergraph/registry";
import { cpuSeconds, freePort, load, nodePid, peakRssMB, spawnPinned, stop } from "../processes.ts";
import type { RunSettings } from "../public-shape/run.ts";
import { type BenchResult, loadFigures } from "../report.ts";
import { routerImage } from "../router-image.ts";

// Scenario B: our own four subgraphs and router, on real PostgreSQL (when one answers) and on the
// embedded default, under a read-heavy mix: product lists, a product with its posts, `me` with orders,
// and an occasional placeOrder.
const repoRoot = join(import.meta.dirname, "../../..");
const SUBGRAPHS = REGISTRY.map((subgraph) => subgraph.name);

async function metric(url: string, prefix: string, labelFilter = ""): Promise<number> {
  const response = await fetch(new URL("/metrics", url));
  if (!response.ok) throw new Error(`GET /metrics on ${url} answered ${response.status}`);
  const text = await response.text();
  return text
    .split("\n")
    .filter((line) => line.startsWith(prefix) && line.includes(labelFilter))
    .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
}

async function gql(url: string, query: string, variables: Record<string, unknown> = {}, token?: string) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown };
  if (body.errors) throw new Error(`${query.slice(0, 60)}: ${JSON.stringify(body.errors)}`);
  return body.data ?? {};
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

async function runOn(kind: "postgres" | "embedded", settings: RunSettings): Promise<BenchResult> {
  const children: ChildProcess[] = [];
  const databases = await Promise.all(
    SUBGRAPHS.map(async (name) =>
      kind === "postgres"
        ? testDatabaseSettings(name)
        : { env: { DATA_DIR: mkdtempSync(join(tmpdir(), `bench-${name}-`)) }, drop: async () => {} },
    ),
  );
  const common = {
    NODE_ENV: "development",
    LOG_LEVEL: "warn",
    HOST: "127.0.0.1",
    PASSWORD_HASH_COST: "12",
    JWT_SECRET: "b".repeat(40),
    INTERNAL_TOKEN_SECRET: "c".repeat(40),
  };
  try {
    const urls: Record<string, string> = {};
    // In registry order: a subgraph starts after those it calls, and is given their URLs.
    for (const [index, { name, calls }] of REGISTRY.entries()) {
      const port = await freePort();
      urls[name] = `http://127.0.0.1:${port}/graphql`;
      const child = spawnPinned(
        "others",
        ["--import", "tsx", join(repoRoot, entryPath(name))],
        {
          ...common,
          ...databases[index]?.env,
          [portVariable(name)]: String(port),
          ...Object.fromEntries(calls.map((callee) => [urlVariable(callee), urls[callee] ?? ""])),
        },
        repoRoot,
      );
      children.push(child);
      await waitHealthy(urls[name], child, name);
    }
    const [routerPort, internalPort] = [await freePort(), await freePort()];
    const router = spawnPinned(
      "gateway",
      ["dist/main.js"],
      {
        ...common,
        NODE_ENV: "production",
        LOG_LEVEL: "info",
        PORT: String(routerPort),
        INTERNAL_PORT: String(internalPort),
        RATE_LIMIT_PER_MINUTE: "100000000",
        PLAYGROUND: "false",
        SHUTDOWN_DRAIN_DELAY_MS: "0",
        ...Object.fromEntries(SUBGRAPHS.map((name) => [urlVariable(name), urls[name]])),
      },
      routerImage(),
    );
    children.push(router);
    const url = `http://127.0.0.1:${routerPort}/graphql`;
    const internalUrl = `http://127.0.0.1:${internalPort}`;
    await waitHealthy(url, router, "router");

    // The demo data, with stock raised so occasional orders never run out during the run.
    const customer = (
      await gql(url, `mutation { logIn(email: "customer@example.com", password: "customer-password") { token } }`)
    ).logIn as { token: string };
    const admin = (
      await gql(url, `mutation { logIn(email: "admin@example.com", password: "admin-password") { token } }`)
    ).logIn as { token: string };
    const page = (await gql(url, `{ products(first: 50) { edges { node { id } } } }`)).products as {
      edges: Array<{ node: { id: string } }>;
    };
    const ids = page.edges.map((edge) => edge.node.id);
    for (const id of ids)
      await gql(
        url,
        `mutation($id: ID!) { updateProduct(id: $id, input: { stock: 1000000 }) { id } }`,
        { id },
        admin.token,
      );

    const auth = { authorization: `Bearer ${customer.token}` };
    const requests = [
      {
        weight: 50,
        body: JSON.stringify({
          query: `query List { products(first: 10) { totalCount edges { node { id name priceCents stock } } } }`,
        }),
      },
      ...ids.slice(0, 8).map((id) => ({
        weight: 25 / 8,
        body: JSON.stringify({
          query: `query ProductPage($id: ID!) { product(id: $id) { name priceCents posts { title author { name } } } }`,
          variables: { id },
        }),
      })),
      {
        weight: 20,
        headers: auth,
        body: JSON.stringify({
          query: `query MyOrders { me { name orders { totalCents items { quantity product { name } } } } }`,
        }),
      },
      {
        weight: 5,
        headers: auth,
        body: JSON.stringify({
          query: `mutation Buy($input: PlaceOrderInput!) { placeOrder(input: $input) { id totalCents } }`,
          variables: { input: { items: [{ productId: ids[0], quantity: 1 }] } },
        }),
      },
    ];

    const subgraphUrls = Object.values(urls);
    const sql = async () =>
      (
        await Promise.all(subgraphUrls.map((subgraphUrl) => metric(subgraphUrl, "db_query_duration_seconds_count")))
      ).reduce((a, b) => a + b, 0);
    const pid = nodePid(router);
    const sqlBefore = await sql();
    const hitsBefore = await metric(internalUrl, "response_cache_requests_total", 'result="hit"');
    const missesBefore = await metric(internalUrl, "response_cache_requests_total", 'result="miss"');
    const cpuBefore = cpuSeconds(pid);
    const result = await load({
      url,
      requests,
      connections: settings.connections,
      warmupSeconds: settings.warmupSeconds,
      durationSeconds: settings.seconds,
    });
    const cpu = cpuSeconds(pid) - cpuBefore;
    const total = (result.requests / settings.seconds) * (settings.seconds + settings.warmupSeconds);
    const hits = (await metric(internalUrl, "response_cache_requests_total", 'result="hit"')) - hitsBefore;
    const misses = (await metric(internalUrl, "response_cache_requests_total", 'result="miss"')) - missesBefore;
    console.log(
      `  router (own supergraph, ${kind}): ${result.rps} req/s, p99 ${result.p99} ms, errors ${result.errors}`,
    );
    return {
      name: `router on ${kind === "postgres" ? "PostgreSQL" : "embedded Postgres (PGlite)"}`,
      scenario: "B: our supergraph, read-heavy mix (50% product list, 25% product page, 20% me+orders, 5% placeOrder)",
      connections: settings.connections,
      ...loadFigures(result),
      cpuPer1k: Math.round((cpu / total) * 1000 * 1000) / 1000,
      rssMB: peakRssMB(pid),
      fetchesPerOp: null,
      cacheHitRate: hits + misses > 0 ? hits / (hits + misses) : null,
      sqlPerOp: Math.round((((await sql()) - sqlBefore) / total) * 100) / 100,
      note: result.errorSample
        ? `first error: ${result.errorSample}`
        : "response cache on (in memory), every plugin on; subgraphs in development mode (migrated and seeded)",
    };
  } finally {
    for (const child of children.reverse()) await stop(child);
    await Promise.all(databases.map((database) => database.drop()));
  }
}

export async function runOwnSupergraph(settings: RunSettings): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  if (await realPostgresAvailable()) results.push(await runOn("postgres", settings));
  results.push(await runOn("embedded", settings));
  return results;
}
