import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { testDatabaseSettings } from "@supergraph/db/testing";
import { imageEntrypoint } from "../../scripts/image-layout.ts";
import { SERVICE_ENV } from "./own-supergraph/stack.ts";
import { freePort, nodePid, spawnPinned, stop } from "./processes.ts";

// Run by hand (not a test): the router's peak RSS under a flood of queries it has never seen, each a new
// document, plan and cache entry (#26). The router runs from `--repo`'s sources with the Dockerfile's node
// flags plus the NODE_OPTIONS of that repo's Kubernetes manifest, the response cache in memory (no Redis:
// the most the process itself can hold). Subgraphs come from this repo, on real PostgreSQL, with the
// Dockerfile's node flags and the NODE_OPTIONS of its subgraph manifest; their peak RSS and heap in use
// are reported too (bench/README.md, "Subgraph memory").
//   node --import tsx bench/src/memory-soak.ts [--repo /path/to/other/checkout] [--seconds 60] [--connections 16]
const here = join(import.meta.dirname, "../..");
const SUBGRAPHS = ["users", "products", "orders", "posts"] as const;
const { values: args } = parseArgs({
  options: {
    repo: { type: "string", default: here },
    seconds: { type: "string", default: "60" },
    connections: { type: "string", default: "16" },
  },
});
const repo = args.repo as string;

/** The NODE_OPTIONS of a container in a manifest of `root`, if it sets any. */
function manifestNodeOptions(root: string, manifest: string): string {
  const text = readFileSync(join(root, "deploy/k8s/base", manifest), "utf8");
  return /name: NODE_OPTIONS\s+value: "([^"]*)"/.exec(text)?.[1] ?? "";
}

const rssMB = (pid: number): number => {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((candidate) => candidate.startsWith("VmRSS:"));
  return Math.round(Number(line?.split(/\s+/)[1] ?? 0) / 1024);
};

async function waitReady(url: string, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode})`);
    if (
      await fetch(new URL("/health/ready", url)).then(
        (response) => response.ok,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what} not ready after 120 s`);
}

const children: ChildProcess[] = [];
const databases = await Promise.all(SUBGRAPHS.map((name) => testDatabaseSettings(name)));
try {
  const urls: Record<string, string> = {};
  for (const [index, name] of SUBGRAPHS.entries()) {
    const port = await freePort();
    urls[name] = `http://127.0.0.1:${port}/graphql`;
    const child = spawnPinned(
      "others",
      [...imageEntrypoint().slice(1, -1), "--import", "tsx", join(here, `subgraphs/${name}/src/main.ts`)],
      {
        ...SERVICE_ENV,
        NODE_OPTIONS: manifestNodeOptions(here, "subgraph/subgraph.yaml"),
        ...databases[index]?.env,
        [`${name.toUpperCase()}_PORT`]: String(port),
        PRODUCTS_URL: urls.products ?? "",
      },
      here,
    );
    children.push(child);
    await waitReady(urls[name], child, name);
  }
  const [port, internalPort] = [await freePort(), await freePort()];
  const flags = imageEntrypoint().slice(1, -1);
  const nodeOptions = manifestNodeOptions(repo, "router.yaml");
  const router = spawnPinned(
    "gateway",
    [...flags, "--import", "tsx", join(repo, "router/src/main.ts")],
    {
      ...SERVICE_ENV,
      NODE_ENV: "production",
      NODE_OPTIONS: nodeOptions,
      PORT: String(port),
      INTERNAL_PORT: String(internalPort),
      RATE_LIMIT_PER_MINUTE: "100000000",
      PLAYGROUND: "false",
      SHUTDOWN_DRAIN_DELAY_MS: "0",
      ...Object.fromEntries(SUBGRAPHS.map((name) => [`${name.toUpperCase()}_URL`, urls[name]])),
    },
    repo,
  );
  children.push(router);
  router.stderr?.on("data", (chunk: Buffer) => process.stderr.write(chunk));
  const url = `http://127.0.0.1:${port}/graphql`;
  await waitReady(url, router, "router");
  const pid = router.pid ?? 0;
  console.log(
    `router from ${repo}: node ${[...flags, nodeOptions].filter(Boolean).join(" ")}; idle RSS ${rssMB(pid)} MB; subgraphs' ${SUBGRAPHS.map((name, index) => `${name} ${rssMB(nodePid(children[index] as ChildProcess))}`).join(", ")} MB`,
  );

  let sent = 0;
  let errors = 0;
  let peak = 0;
  const samples: number[] = [];
  const ends = Date.now() + Number(args.seconds) * 1000;
  const subgraphPeaks: Record<string, number> = {};
  const sampler = setInterval(() => {
    const rss = rssMB(pid);
    peak = Math.max(peak, rss);
    samples.push(rss);
    for (const [index, name] of SUBGRAPHS.entries())
      subgraphPeaks[name] = Math.max(subgraphPeaks[name] ?? 0, rssMB(nodePid(children[index] as ChildProcess)));
  }, 500);
  // Every query new: its own operation name and aliases, so a new document, plan and response entry;
  // eight root fields, as an app's page query might have.
  const query = (index: number) =>
    `query Soak${index}($first: Int!) { ${Array.from({ length: 8 }, (_, field) => `f${field}_${index}: products(first: $first) { totalCount edges { cursor node { id sku name description priceCents stock } } }`).join(" ")} }`;
  await Promise.all(
    Array.from({ length: Number(args.connections) }, async () => {
      while (Date.now() < ends && router.exitCode === null) {
        const index = sent++;
        const response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query: query(index), variables: { first: 5 } }),
        }).catch(() => null);
        const body = response
          ? ((await response.json().catch(() => ({ errors: ["not JSON"] }))) as { errors?: unknown })
          : { errors: ["no answer"] };
        if (!response?.ok || body.errors) errors++;
      }
    }),
  );
  clearInterval(sampler);
  // Each subgraph's heap now (its own /metrics): what the load left live, next to its peak RSS.
  const subgraphHeapUsedMB = Object.fromEntries(
    await Promise.all(
      SUBGRAPHS.map(async (name) => {
        const text = await fetch(new URL("/metrics", urls[name])).then(
          (response) => response.text(),
          () => "",
        );
        const bytes = Number(/^nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\S+)/m.exec(text)?.[1] ?? Number.NaN);
        return [name, Math.round(bytes / 2 ** 20)];
      }),
    ),
  );
  const metrics = await fetch(`http://127.0.0.1:${internalPort}/metrics`).then(
    (response) => response.text(),
    () => "",
  );
  const series = (name: string) =>
    metrics
      .split("\n")
      .filter((line) => line.startsWith(name))
      .map((line) => line.replace(/\{[^}]*\}/, (labels) => /cache="([^"]+)"/.exec(labels)?.[1] ?? ""));
  console.log(
    JSON.stringify(
      {
        queries: sent,
        perSecond: Math.round(sent / Number(args.seconds)),
        errors,
        routerExit: router.exitCode ?? router.signalCode,
        peakRssMB: peak,
        lastRssMB: samples.at(-1),
        rssEvery10s: samples.filter((_, index) => index % 20 === 19),
        subgraphPeakRssMB: subgraphPeaks,
        subgraphHeapUsedMB,
        heapUsed: series("nodejs_heap_size_used_bytes"),
        cacheSizeBytes: series("cache_size_bytes"),
      },
      null,
      2,
    ),
  );
} finally {
  for (const child of children.reverse()) await stop(child);
  await Promise.all(databases.map((database) => database.drop()));
}
