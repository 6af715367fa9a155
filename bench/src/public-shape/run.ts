import type { ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { request } from "undici";
import { imageEntrypoint } from "../../../scripts/image-layout.ts";
import { freePort, load, nodePid, peakRssMB, spawnPinned, stop, treeCpuSeconds, waitFor } from "../processes.ts";
import { type BenchResult, loadFigures } from "../report.ts";
import { routerImage } from "../router-image.ts";
import { TEST_QUERY } from "./data.ts";
import { composeBenchSupergraph } from "./supergraph.ts";

const benchDir = join(import.meta.dirname, "../..");
const repoRoot = join(benchDir, "..");
const require = createRequire(join(benchDir, "package.json"));

export interface RunSettings {
  seconds: number;
  warmupSeconds: number;
  connections: number;
  unloadedSeconds: number;
  /** Offered rates (req/s) of the set-rate runs of gateways marked `paced`, one run each. */
  pacedRates?: number[];
  /** Redis for the all-core router rows (several workers must share one); those rows are skipped without. */
  redisUrl?: string;
  /** Runs of each `repeat` row under load (the median is kept). */
  repeats?: number;
}

interface GatewayDefinition {
  name: string;
  note?: string;
  /** Every request distinct (default), or all identical (what in-flight deduplication can combine). */
  identical?: boolean;
  /** Not pinned: the gateway (and the load generator) may use every core. */
  allCores?: boolean;
  /** Needs settings.redisUrl. */
  redis?: boolean;
  /** Measured settings.repeats times under load, the median kept (fast rows: a run takes seconds). */
  repeat?: boolean;
  /** Also measured at each of settings.pacedRates: the latency a client sees below saturation. */
  paced?: boolean;
  /** Headers every request carries (e.g. accept-encoding: a client that takes compressed answers). */
  headers?: Record<string, string>;
  start(
    supergraphFile: string,
    port: number,
    settings: RunSettings,
  ): { args: string[]; env: NodeJS.ProcessEnv; ready: RegExp; path: string; cwd?: string };
}

export const SCENARIO_A = "A: public gateway benchmark shape (TestQuery, 87 KB, 4 subgraphs)";
export const SCENARIO_A_ALL_CORES =
  "A, all cores: nothing pinned, router with ROUTER_WORKERS=auto (one per core) and Redis";
export const scenarioPaced = (connections: number, rate: number) =>
  `A, at a set rate: ${connections} connections sending about ${rate} req/s in all, below saturation`;

// Our router with every plugin on (JWT auth, limits, metrics, logging), as it runs in production. The
// rate limit is raised so that a single benchmark client is not refused, and the cost limit so that the
// benchmark's deliberately heavy query passes.
const hiveBin = () => join(dirname(require.resolve("@graphql-hive/gateway/package.json")), "dist/bin.js");

export const routerEnv = (supergraphFile: string, port: number, cache: boolean): NodeJS.ProcessEnv => ({
  NODE_ENV: "production",
  JWT_SECRET: "b".repeat(40),
  INTERNAL_TOKEN_SECRET: "c".repeat(40),
  PORT: String(port),
  INTERNAL_PORT: "0",
  HOST: "127.0.0.1",
  SUPERGRAPH_PATH: supergraphFile,
  RESPONSE_CACHE: cache ? "true" : "false",
  RATE_LIMIT_PER_MINUTE: "100000000",
  LIMIT_COST: "100000",
  LOG_LEVEL: "info",
  // The benchmark's own operation as the persisted-operations manifest (written beside the supergraph):
  // its query plan is made at start-up, as a deployment's apps' operations are.
  PERSISTED_OPERATIONS_MANIFEST: join(dirname(supergraphFile), "operations.json"),
  PLAYGROUND: "false",
  SHUTDOWN_DRAIN_DELAY_MS: "0",
});

/**
 * Our router as it ships (its image's layout), response cache on or off, with extra settings; `allCores`:
 * one worker per core (sharing Redis); `redis`: one router on Redis, as each replica of several is.
 */
const router =
  (options: {
    cache: boolean;
    env?: NodeJS.ProcessEnv;
    allCores?: boolean;
    redis?: boolean;
  }): GatewayDefinition["start"] =>
  (file, port, settings) => ({
    args: imageEntrypoint().slice(1),
    env: {
      ...routerEnv(file, port, options.cache),
      ...(options.allCores ? clusterEnv(settings) : options.redis ? redisEnv(settings) : {}),
      ...options.env,
    },
    ready: options.allCores ? /router workers listening/ : /router listening/,
    path: "/graphql",
    cwd: routerImage(),
  });

/** The bare server sending the reference bytes, in `workers` processes (brotli-compressed with `br`). */
const bare =
  (workers: number, encoding?: "br"): GatewayDefinition["start"] =>
  (file, port) => ({
    args: ["--import", "tsx", join(benchDir, "src/gateways/bare.ts")],
    env: {
      PORT: String(port),
      BODY_FILE: join(dirname(file), "expected.json"),
      WORKERS: String(workers),
      ...(encoding ? { ENCODING: encoding } : {}),
    },
    ready: /READY/,
    path: "/graphql",
  });

export const GATEWAYS: GatewayDefinition[] = [
  {
    name: "apollo-gateway",
    note: "plain @apollo/gateway + @apollo/server (startStandaloneServer), defaults",
    start: (file, port) => ({
      args: ["--import", "tsx", join(benchDir, "src/gateways/apollo-gateway.ts"), file],
      env: { PORT: String(port), APOLLO_TELEMETRY_DISABLED: "true" },
      ready: /READY/,
      path: "/",
    }),
  },
  {
    name: "hive-gateway",
    note: "@graphql-hive/gateway 2.15.1, defaults",
    start: (file, port) => ({
      args: [hiveBin(), "supergraph", file, "--port", String(port), "--host", "127.0.0.1"],
      env: {},
      ready: /Listening on/,
      path: "/graphql",
    }),
  },
  {
    name: "hive-gateway --jit",
    note: "Hive Gateway with JIT-compiled execution",
    start: (file, port) => ({
      args: [hiveBin(), "supergraph", file, "--jit", "--port", String(port), "--host", "127.0.0.1"],
      env: {},
      ready: /Listening on/,
      path: "/graphql",
    }),
  },
  {
    name: "hive-gateway --jit + dedupe (identical)",
    identical: true,
    note: "Hive Gateway with JIT and inbound in-flight deduplication (gateways/hive-dedupe/gateway.config.ts), identical concurrent requests",
    start: (file, port) => ({
      args: [hiveBin(), "supergraph", file, "--jit", "--port", String(port), "--host", "127.0.0.1"],
      env: {},
      ready: /Listening on/,
      path: "/graphql",
      cwd: join(benchDir, "src/gateways/hive-dedupe"),
    }),
  },
  {
    name: "router cache-off",
    note: "our router, every plugin on, response cache off",
    start: router({ cache: false }),
  },
  {
    name: "router cache-off (no coalescing)",
    note: "our router, every plugin on, cache off, COALESCE=false: no inbound or subgraph-fetch deduplication at all",
    start: router({ cache: false, env: { COALESCE: "false" } }),
  },
  {
    name: "router cache-off (identical)",
    identical: true,
    note: "our router, every plugin on, cache off, identical concurrent requests: coalesced (single-flight)",
    start: router({ cache: false }),
  },
  {
    name: "router cache-hit",
    repeat: true,
    paced: true,
    note: "our router, every plugin on, responses served from the (in-memory) response cache",
    start: router({ cache: true }),
  },
  {
    name: "router cache-hit (Redis)",
    repeat: true,
    redis: true,
    note: "our router, every plugin on, hits from a Redis response cache, as each of several replicas serves them: a decoded copy kept, the tags checked and the rate limit spent in Redis (batched per event-loop turn)",
    start: router({ cache: true, redis: true }),
  },
  {
    name: "bare node http (same bytes)",
    repeat: true,
    paced: true,
    note: "not a gateway: node:http answering with the reference response's bytes, the physical limit here",
    start: bare(1),
  },
  {
    name: "router cache-hit (brotli)",
    repeat: true,
    headers: { "accept-encoding": "br" },
    note: "our router, every plugin on, cache hits for a client that accepts brotli: the entry's brotli bytes, compressed once",
    start: router({ cache: true }),
  },
  {
    name: "bare node http (same brotli bytes)",
    repeat: true,
    headers: { "accept-encoding": "br" },
    note: "not a gateway: node:http answering with the reference response's bytes compressed as the router compresses them (brotli 4)",
    start: bare(1, "br"),
  },
  {
    name: "router cache-off (all cores)",
    allCores: true,
    redis: true,
    note: "our router, every plugin on, cache off, one worker per core sharing Redis (rate limits)",
    start: router({ cache: false, allCores: true }),
  },
  {
    name: "router cache-hit (all cores)",
    repeat: true,
    allCores: true,
    redis: true,
    note: "our router, every plugin on, one worker per core, hits from the shared Redis cache (each worker keeps a decoded copy; tags checked and the rate limit spent in Redis on every hit, batched per event-loop turn)",
    start: router({ cache: true, allCores: true }),
  },
  {
    name: "bare node http (all cores)",
    repeat: true,
    allCores: true,
    note: "not a gateway: one bare server per core (node:cluster), the all-core limit here",
    start: bare(availableParallelism()),
  },
];

/** Redis, under a key prefix of the run's own. */
const redisEnv = (settings: RunSettings): NodeJS.ProcessEnv => ({
  REDIS_URL: settings.redisUrl,
  RESPONSE_CACHE_KEY_PREFIX: `bench:${process.pid}:${Date.now()}:`,
});

// With ROUTER_WORKERS, the workers share Redis (the router refuses several without it).
const clusterEnv = (settings: RunSettings): NodeJS.ProcessEnv => ({ ROUTER_WORKERS: "auto", ...redisEnv(settings) });

/** The benchmark's request: TestQuery, as every gateway is sent it. */
export const TEST_BODY = JSON.stringify({ query: TEST_QUERY, operationName: "TestQuery" });

export interface BenchSubgraphs {
  /** The supergraph composed from them, in a file of its own folder. */
  file: string;
  /** Requests the four subgraphs have served so far. */
  served(): Promise<number>;
  stop(): Promise<void>;
}

/** The four subgraphs of the public shape, on the load generator's core, and their supergraph. */
export async function startBenchSubgraphs(): Promise<BenchSubgraphs> {
  const children: ChildProcess[] = [];
  const urls: Record<string, string> = {};
  const stopAll = async () => {
    await Promise.all(children.map(stop));
  };
  try {
    for (const name of ["accounts", "products", "inventory", "reviews"]) {
      const child = spawnPinned(
        "others",
        ["--import", "tsx", join(import.meta.dirname, "subgraph-server.ts"), name],
        {},
      );
      children.push(child);
      const [, port] = await waitFor(child, /LISTENING (\d+)/, `subgraph ${name}`);
      urls[name] = `http://127.0.0.1:${port}/graphql`;
    }
    const file = join(mkdtempSync(join(tmpdir(), "bench-")), "supergraph.graphql");
    writeFileSync(file, composeBenchSupergraph(urls));
    writeFileSync(
      join(dirname(file), "operations.json"),
      JSON.stringify({ [createHash("sha256").update(TEST_QUERY).digest("hex")]: TEST_QUERY }),
    );
    return { file, served: () => served(urls), stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Requests the subgraphs at `urls` have served so far. */
async function served(urls: Record<string, string>): Promise<number> {
  let total = 0;
  for (const url of Object.values(urls))
    total += ((await (await fetch(url.replace("/graphql", "/count"))).json()) as { served: number }).served;
  return total;
}

export async function runPublicShape(settings: RunSettings, only?: string[]): Promise<BenchResult[]> {
  const stack = await startBenchSubgraphs();
  const { file, served } = stack;
  const body = TEST_BODY;
  const results: BenchResult[] = [];
  try {
    let expected: string | undefined;

    for (const gateway of GATEWAYS.filter((candidate) => !only || only.includes(candidate.name))) {
      if (gateway.redis && !settings.redisUrl) {
        console.log(`  ${gateway.name}: skipped (no Redis at BENCH_REDIS_URL)`);
        continue;
      }
      const port = await freePort();
      const spec = gateway.start(file, port, settings);
      const core = gateway.allCores ? "all" : "gateway";
      const loadCore = gateway.allCores ? "all" : "others";
      // BENCH_CPU_PROFILE=<dir>: V8 CPU profiles of each gateway process (--cpu-prof), to see where time goes.
      const profile = process.env.BENCH_CPU_PROFILE
        ? [`--cpu-prof`, `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}/${gateway.name.replace(/\W+/g, "-")}`]
        : [];
      const child = spawnPinned(core, [...profile, ...spec.args], spec.env, spec.cwd ?? repoRoot);
      try {
        await waitFor(child, spec.ready, gateway.name);
        const url = `http://127.0.0.1:${port}${spec.path}`;
        // Raw bytes (undici's request neither asks for nor undoes compression): compressed rows are
        // checked as the bytes on the wire.
        const post = async () => {
          const response = await request(url, {
            method: "POST",
            headers: { "content-type": "application/json", ...gateway.headers },
            body,
          });
          const raw = Buffer.from(await response.body.arrayBuffer());
          const encoding = response.headers["content-encoding"];
          const text = (
            encoding === "br" ? brotliDecompressSync(raw) : encoding === "gzip" ? gunzipSync(raw) : raw
          ).toString();
          return { raw, text, encoding, cache: response.headers["x-cache"] };
        };
        // The first gateway's answer is the reference every response of every gateway must match.
        const first = await post();
        if (!expected) {
          expected = first.text;
          writeFileSync(join(dirname(file), "expected.json"), expected);
        }
        const sameData = (text: string) => {
          const parsed = JSON.parse(text) as { data?: unknown; errors?: unknown };
          return (
            !parsed.errors &&
            JSON.stringify(parsed.data) === JSON.stringify((JSON.parse(expected as string) as { data: unknown }).data)
          );
        };
        if (!sameData(first.text))
          throw new Error(`${gateway.name} answers TestQuery differently: ${first.text.slice(0, 300)}`);
        const beforeOne = await served();
        let second = await post();
        const fetchesPerOp = (await served()) - beforeOne;
        // A compressed row must really be compressed; its bytes are those of a later answer (for the
        // router a cache hit, whose bytes every later hit repeats: asked until one is served), which must
        // hold the reference data.
        for (let attempt = 0; gateway.headers && second.cache === "MISS" && attempt < 40; attempt++) {
          await new Promise((resolve) => setTimeout(resolve, 25));
          second = await post();
        }
        if (
          gateway.headers?.["accept-encoding"] &&
          (second.encoding !== gateway.headers["accept-encoding"] || !sameData(second.text))
        ) {
          throw new Error(
            `${gateway.name} did not answer in ${gateway.headers["accept-encoding"]} (content-encoding: ${second.encoding})`,
          );
        }
        const reference = gateway.headers
          ? { expectedBase64: second.raw.toString("base64") }
          : { expected: first.text };

        const pid = nodePid(child);
        const runs: Array<{ connections: number; rate?: number }> = [
          { connections: settings.connections },
          { connections: 1 },
        ];
        if (gateway.paced)
          for (const rate of settings.pacedRates ?? []) runs.push({ connections: settings.connections, rate });
        for (const { connections, rate } of runs) {
          const duration = connections === 1 ? settings.unloadedSeconds : settings.seconds;
          // Every response must be byte-equal to this gateway's first answer, checked above.
          const options = {
            url,
            body,
            headers: gateway.headers,
            connections,
            warmupSeconds: settings.warmupSeconds,
            durationSeconds: duration,
            ...reference,
            distinct: !gateway.identical,
            rate,
          };
          const measure = async () => {
            const cpuBefore = treeCpuSeconds(pid);
            const result = await load(options, loadCore);
            // CPU over warm-up and measurement, per request measured and warmed alike (same rate).
            const cpu = treeCpuSeconds(pid) - cpuBefore;
            return { result, perRequest: cpu / ((result.requests / duration) * (duration + settings.warmupSeconds)) };
          };
          // Rows marked `repeat` (the fast ones, whose ratio matters most) run several times under load:
          // the median by throughput is kept, and every run's figure is noted.
          const times = gateway.repeat && connections === settings.connections && !rate ? (settings.repeats ?? 1) : 1;
          const measured = [];
          for (let index = 0; index < times; index++) measured.push(await measure());
          measured.sort((a, b) => a.result.rps - b.result.rps);
          const { result, perRequest } = measured[Math.floor((measured.length - 1) / 2)] as (typeof measured)[number];
          // Each run's p99 too: at saturation it moves with the machine more than throughput does.
          const spread =
            measured.length > 1
              ? `median of ${measured.length} runs (${measured.map((run) => `${run.result.rps} req/s p99 ${run.result.p99} ms`).join(", ")}); `
              : "";
          results.push({
            name: gateway.name,
            scenario: rate ? scenarioPaced(connections, rate) : gateway.allCores ? SCENARIO_A_ALL_CORES : SCENARIO_A,
            connections,
            ...loadFigures(result),
            cpuPer1k: Math.round(perRequest * 1000 * 1000) / 1000,
            rssMB: peakRssMB(pid),
            fetchesPerOp,
            note:
              connections === settings.connections && !rate
                ? `${spread}${gateway.note}${result.errorSample ? `; first error: ${result.errorSample}` : ""}`
                : undefined,
          });
          console.log(
            `  ${gateway.name} @${connections}${rate ? ` offered ${rate}/s` : ""}: ${result.rps} req/s, p99 ${result.p99} ms, errors ${result.errors}`,
          );
        }
      } finally {
        await stop(child);
      }
    }
  } finally {
    await stack.stop();
  }
  return results;
}
