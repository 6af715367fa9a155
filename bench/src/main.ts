// `npm run bench`: every gateway, one after another, on one machine in one run; prints the table and
// writes bench/results/<date>.json and .md. Settings (environment):
//   BENCH_SECONDS (15) measured seconds per run at BENCH_CONNECTIONS (50), after BENCH_WARMUP_SECONDS (5);
//   BENCH_UNLOADED_SECONDS (5) at one connection; BENCH_GATEWAYS to run a subset (comma-separated names);
//   BENCH_SCENARIOS (public,own,subscriptions); BENCH_PACED_RATES (5000,12000) offered req/s of the set-rate runs, one run each ("": none);
//   BENCH_REDIS_URL (redis://127.0.0.1:6379) for the all-core router rows, skipped when it does not answer;
//   BENCH_LOAD_GENERATOR (wrk when installed, else node); BENCH_REPEATS (3) runs of the fast rows
//   (cache hits, bare server) under load, the median kept; BENCH_SUBSCRIBERS (1,100,1000) the subscriber
//   counts of the subscriptions scenario, each for BENCH_SUBSCRIPTION_SECONDS (BENCH_SECONDS) after the warm-up.
import { connect } from "node:net";
import { join } from "node:path";
import { imageEntrypoint } from "../../scripts/image-layout.ts";
import { pinning } from "./processes.ts";
import { GATEWAYS, runPublicShape } from "./public-shape/run.ts";
import { type BenchResult, machineDescription, type SubscriptionResult, toMarkdown, writeResults } from "./report.ts";
import { generatorName } from "./wrk.ts";

/** The Redis URL if a server answers PING there within a second. */
function reachableRedis(url: string): Promise<string | undefined> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 6379) });
    const done = (answer: string | undefined) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1000, () => done(undefined));
    socket.on("error", () => done(undefined));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => done(chunk.toString().startsWith("+PONG") ? url : undefined));
  });
}

const number = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const settings = {
  seconds: number("BENCH_SECONDS", 15),
  warmupSeconds: number("BENCH_WARMUP_SECONDS", 5),
  connections: number("BENCH_CONNECTIONS", 50),
  unloadedSeconds: number("BENCH_UNLOADED_SECONDS", 5),
  pacedRates: (process.env.BENCH_PACED_RATES ?? "5000,12000")
    .split(",")
    .filter((rate) => rate.trim() !== "")
    .map(Number),
  repeats: number("BENCH_REPEATS", 3),
  subscribers: (process.env.BENCH_SUBSCRIBERS ?? "1,100,1000")
    .split(",")
    .filter((count) => count.trim() !== "")
    .map(Number),
  subscriptionSeconds: number("BENCH_SUBSCRIPTION_SECONDS", number("BENCH_SECONDS", 15)),
  redisUrl: await reachableRedis(process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379"),
};
if (settings.subscribers.some((count) => !Number.isInteger(count) || count < 1))
  throw new Error(
    `BENCH_SUBSCRIBERS: "${process.env.BENCH_SUBSCRIBERS}" is not a comma-separated list of whole numbers`,
  );
const only = process.env.BENCH_GATEWAYS?.split(",").map((name) => name.trim());
// A misspelt name would otherwise run nothing for it, silently.
const unknown = only?.filter((name) => !GATEWAYS.some((gateway) => gateway.name === name));
if (unknown?.length)
  throw new Error(
    `BENCH_GATEWAYS names no row: ${unknown.join(", ")} (rows: ${GATEWAYS.map((gateway) => gateway.name).join("; ")})`,
  );
const scenarios = (process.env.BENCH_SCENARIOS ?? "public,own,subscriptions").split(",");

const requestRuns = scenarios.includes("public") || scenarios.includes("own");
const meta: Record<string, string> = {
  date: new Date().toISOString().slice(0, 19),
  machine: machineDescription(),
  pinning,
  router: `our router runs as it ships: ${imageEntrypoint().join(" ")} (the Dockerfile's command) in its image's layout (scripts/image-layout.ts)`,
  ...(requestRuns && {
    load: `closed loop, ${settings.connections} connections for ${settings.seconds} s after ${settings.warmupSeconds} s of warm-up; unloaded: 1 connection for ${settings.unloadedSeconds} s; ${settings.pacedRates.length ? `at a set rate: ${settings.connections} connections, about ${settings.pacedRates.join(" and ")} req/s in all` : "no set-rate runs"}; cache hits and the bare server: the median of ${settings.repeats} loaded runs`,
    generator: generatorName(),
  }),
  ...(scenarios.includes("subscriptions") && {
    subscriptions: `${settings.subscribers.join(", ")} graphql-ws subscribers (one connection each) on one product's productUpdated, a new supergraph each; once all are live, ${settings.warmupSeconds} s of warm-up, then ${settings.subscriptionSeconds} s measured; one updateProduct at a time, the next when every subscriber has the last (or after 5 s, the missing events lost); latency from the mutation's response to each delivery, in the clients' process`,
  }),
  memory:
    "peak RSS of the gateway's processes, summed (a router with workers counts each; shared pages count once per process)",
  ...(requestRuns && {
    check: "every response compared with the reference answer; any difference or error counts as an error",
  }),
};
console.log(`Benchmark on ${meta.machine}; ${pinning}`);
const results: BenchResult[] = [];
if (scenarios.includes("public")) results.push(...(await runPublicShape(settings, only)));
if (scenarios.includes("own")) {
  const { runOwnSupergraph } = await import("./own-supergraph/run.ts");
  results.push(...(await runOwnSupergraph(settings)));
}
const subscriptions: SubscriptionResult[] = [];
if (scenarios.includes("subscriptions")) {
  const { runSubscriptions } = await import("./subscriptions/run.ts");
  subscriptions.push(
    ...(await runSubscriptions({
      subscribers: settings.subscribers,
      seconds: settings.subscriptionSeconds,
      warmupSeconds: settings.warmupSeconds,
    })),
  );
}
const files = writeResults(join(import.meta.dirname, "../results"), results, meta, subscriptions);
console.log(`\n${toMarkdown(results, meta, subscriptions)}`);
console.log(`Written: ${files.json}, ${files.markdown}`);
