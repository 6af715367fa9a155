// `npm run bench`: every gateway, one after another, on one machine in one run; prints the table and
// writes bench/results/<date>.json and .md. Settings (environment):
//   BENCH_SECONDS (15) measured seconds per run at BENCH_CONNECTIONS (50), after BENCH_WARMUP_SECONDS (5);
//   BENCH_UNLOADED_SECONDS (5) at one connection; BENCH_GATEWAYS to run a subset (comma-separated names);
//   BENCH_SCENARIOS (public,own).
import { join } from "node:path";
import { pinning } from "./processes.ts";
import { runPublicShape } from "./public-shape/run.ts";
import { type BenchResult, machineDescription, toMarkdown, writeResults } from "./report.ts";

const number = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const settings = {
  seconds: number("BENCH_SECONDS", 15),
  warmupSeconds: number("BENCH_WARMUP_SECONDS", 5),
  connections: number("BENCH_CONNECTIONS", 50),
  unloadedSeconds: number("BENCH_UNLOADED_SECONDS", 5),
};
const only = process.env.BENCH_GATEWAYS?.split(",").map((name) => name.trim());
const scenarios = (process.env.BENCH_SCENARIOS ?? "public,own").split(",");

const meta = {
  date: new Date().toISOString().slice(0, 19),
  machine: machineDescription(),
  pinning,
  load: `closed loop, ${settings.connections} connections for ${settings.seconds} s after ${settings.warmupSeconds} s of warm-up; unloaded: 1 connection for ${settings.unloadedSeconds} s`,
  check: "every response compared with the reference answer; any difference or error counts as an error",
};
console.log(`Benchmark on ${meta.machine}; ${pinning}`);
const results: BenchResult[] = [];
if (scenarios.includes("public")) results.push(...(await runPublicShape(settings, only)));
if (scenarios.includes("own")) {
  const { runOwnSupergraph } = await import("./own-supergraph/run.ts");
  results.push(...(await runOwnSupergraph(settings)));
}
const files = writeResults(join(import.meta.dirname, "../results"), results, meta);
console.log(`\n${toMarkdown(results, meta)}`);
console.log(`Written: ${files.json}, ${files.markdown}`);
