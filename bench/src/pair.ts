// `npm run bench:pair`: two builds or settings of our router measured side by side, on the same core at
// the same time, for a before/after figure of CPU per cache hit that the machine's drift does not swamp.
//
// Why not two runs one after the other: on this kind of VM the same router's cache-hit throughput moved
// by 10,000–15,000 req/s between runs a minute apart (bench/results/2026-11-22T02-10-00-log-batch-size-ab.md),
// far more than the few percent an optimisation is worth. Here both routers are pinned to core 0 and
// loaded at once (each by its own wrk on core 1, half the connections each), so both see the same
// phase of the machine; each round gives B's CPU per hit over A's, and the median of the rounds is the
// result.
// The two routers share the core's caches, so the absolute µs per hit is higher than a router alone;
// the ratio is what this is for. Each round runs new processes of both (see runPair), and which load
// starts first alternates by round; the routers' output is read throughout, as a log shipper would, and
// a router that dropped log lines fails the pair. Needs taskset, two cores and wrk.
//
// Settings (environment):
//   BENCH_PAIR_A, BENCH_PAIR_B  image layouts to run (`npm run layout -- router <dir>`, the folder it
//                               prints); either defaults to one assembled from the current sources
//   BENCH_PAIR_A_ENV, BENCH_PAIR_B_ENV  settings added to that side's router, "NAME=value NAME=value"
//   BENCH_PAIR_A_NODE, BENCH_PAIR_B_NODE  the Node that side runs on (current, image or a path; BENCH_NODE's)
//   BENCH_PAIR_ROUNDS (10), BENCH_SECONDS (10) measured per round after BENCH_WARMUP_SECONDS (3),
//   BENCH_CONNECTIONS (50, half to each side)
//   BENCH_PAIR_IDENTICAL=1      every request the same bytes; by default each is distinct (a nonce in its
//                               extensions, the same cache entry), as the bench's cache-hit rows send them
// Writes bench/results/<date>-pair.md.
import type { ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "undici";
import { imageEntrypoint } from "../../scripts/image-layout.ts";
import { benchNode, type NodeBinary } from "./node-binary.ts";
import { freePort, load, nodePid, pinned, spawnPinned, stop, treeCpuSeconds } from "./processes.ts";
import { routerEnv, startBenchSubgraphs, TEST_BODY } from "./public-shape/run.ts";
import { machineDescription, sourcesDescription, writeResultFile } from "./report.ts";
import { routerImage } from "./router-image.ts";
import { useWrk } from "./wrk.ts";

/** "NAME=value NAME=value" as an environment; anything else is refused (a typo would measure nothing). */
export function parseEnvList(text: string | undefined, what: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const item of (text ?? "").split(/\s+/).filter(Boolean)) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(item);
    if (!match) throw new Error(`${what}: "${item}" is not NAME=value`);
    env[match[1] as string] = match[2] as string;
  }
  return env;
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

export interface Side {
  label: "A" | "B";
  dir: string;
  env: Record<string, string>;
  /** The Node it runs on (see node-binary.ts). */
  node: NodeBinary;
}

interface Running extends Side {
  child: ChildProcess;
  url: string;
  internalUrl: string;
  expected: string;
}

export interface RoundFigures {
  rps: number;
  p99: number;
  errors: number;
  usPerHit: number;
}

/** The folder to run a layout's router in: the one `npm run layout` made, or its `service` folder. */
function runFolder(given: string, what: string): string {
  for (const dir of [join(given, "service"), given]) if (existsSync(join(dir, "dist/main.js"))) return dir;
  throw new Error(`${what}: ${given} holds no router (make one with npm run layout -- router <dir>)`);
}

/** A side as the environment sets it (BENCH_PAIR_<label>, BENCH_PAIR_<label>_ENV). */
function side(label: "A" | "B"): Side {
  const given = process.env[`BENCH_PAIR_${label}`];
  const dir = given ? runFolder(given, `BENCH_PAIR_${label}`) : routerImage();
  return {
    label,
    dir,
    env: parseEnvList(process.env[`BENCH_PAIR_${label}_ENV`], `BENCH_PAIR_${label}_ENV`),
    node: benchNode(process.env[`BENCH_PAIR_${label}_NODE`]),
  };
}

/**
 * Reads a router's output as its log shipper would, keeping the last few KB for error messages. Unread,
 * the pipe fills within a second at saturation: the router's log writes then wait, its lines pile up
 * and are dropped, and it is measured without the cost of writing them.
 */
function drain(child: ChildProcess): () => string {
  let tail = "";
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return () => tail;
}

/**
 * Resolves once the router's readiness check answers 200. Asked over HTTP rather than read from its log:
 * a side may run with a LOG_LEVEL that leaves out the "listening" line.
 */
async function ready(
  child: ChildProcess,
  url: string,
  what: string,
  output: () => string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output()}`);
    const status = await request(url).then(
      async (response) => {
        await response.body.dump();
        return response.statusCode;
      },
      () => 0,
    );
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} not ready after ${timeoutMs} ms:\n${output()}`);
}

/** A request for TestQuery, as its bytes and whether it was a cache hit. */
export async function post(url: string): Promise<{ text: string; cache: unknown }> {
  const response = await request(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: TEST_BODY,
  });
  return { text: await response.body.text(), cache: response.headers["x-cache"] };
}

async function startRouter(
  target: Side,
  supergraphFile: string,
): Promise<{ child: ChildProcess; url: string; internalUrl: string }> {
  const [port, internalPort] = [await freePort(), await freePort()];
  const env = { ...routerEnv(supergraphFile, port, true), INTERNAL_PORT: String(internalPort), ...target.env };
  const child = spawnPinned("gateway", imageEntrypoint().slice(1), env, target.dir, target.node.path);
  try {
    await ready(child, `http://127.0.0.1:${port}/health/ready`, `router ${target.label}`, drain(child));
    return { child, url: `http://127.0.0.1:${port}/graphql`, internalUrl: `http://127.0.0.1:${internalPort}` };
  } catch (error) {
    await stop(child);
    throw error;
  }
}

/** Both routers started, then their cache entries stored at the same moment (a round ends long before they expire). */
async function startBoth(sides: readonly [Side, Side], supergraphFile: string): Promise<Running[]> {
  const started: Array<Side & { child: ChildProcess; url: string; internalUrl: string }> = [];
  try {
    for (const target of sides) started.push({ ...target, ...(await startRouter(target, supergraphFile)) });
    const firsts = await Promise.all(started.map((router) => post(router.url)));
    const running: Running[] = [];
    for (const [index, router] of started.entries()) {
      const first = firsts[index] as { text: string };
      // Every later answer must be a hit with the first one's bytes, and both sides must answer alike.
      const second = await post(router.url);
      if (second.cache !== "HIT")
        throw new Error(`router ${router.label} did not answer from its cache (x-cache: ${second.cache})`);
      if (first.text !== firsts[0]?.text || !(JSON.parse(first.text) as { data?: unknown }).data) {
        throw new Error(`router ${router.label} answers TestQuery differently: ${first.text.slice(0, 300)}`);
      }
      running.push({ ...router, expected: first.text });
    }
    return running;
  } catch (error) {
    await Promise.all(started.map((router) => stop(router.child)));
    throw error;
  }
}

export interface PairSettings {
  a: Side;
  b: Side;
  rounds: number;
  seconds: number;
  warmupSeconds: number;
  /** Per side. */
  connections: number;
  /** Every request the same bytes (else each distinct, as the bench's cache-hit rows send them). */
  identical: boolean;
  /** Called with each round's figures as it ends. */
  onRound?: (round: PairRound) => void;
}

export interface PairRound {
  round: number;
  /** The machine's CPU time taken by its hypervisor during the round (% of all cores' time; /proc/stat's steal). */
  stealPercent: number;
  a: RoundFigures;
  b: RoundFigures;
  /** B's CPU per hit over A's. */
  ratio: number;
}

async function measure(router: Running, settings: PairSettings): Promise<RoundFigures> {
  const { seconds, warmupSeconds, connections } = settings;
  const pid = nodePid(router.child);
  const before = treeCpuSeconds(pid);
  const result = await load({
    url: router.url,
    body: TEST_BODY,
    connections,
    warmupSeconds,
    durationSeconds: seconds,
    expected: router.expected,
    distinct: !settings.identical,
  });
  const cpu = treeCpuSeconds(pid) - before;
  // CPU over warm-up and measurement, per request measured and warmed alike (same rate).
  return {
    rps: result.rps,
    p99: result.p99,
    errors: result.errors,
    usPerHit: (cpu / (result.rps * (seconds + warmupSeconds))) * 1e6,
  };
}

/** All cores' CPU ticks so far, and those stolen by the hypervisor (Linux; zeros elsewhere). */
function cpuTicks(): { total: number; steal: number } {
  if (!existsSync("/proc/stat")) return { total: 0, steal: 0 };
  const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).slice(1, 9).map(Number);
  return { total: fields.reduce((sum, value) => sum + value, 0), steal: fields[7] ?? 0 };
}

/** The log lines a router dropped because its stdout was not read fast enough (its /metrics, on the internal port). */
async function droppedLogLines(internalUrl: string): Promise<number> {
  const metricsUrl = `${internalUrl}/metrics`;
  const text = await (await request(metricsUrl)).body.text();
  const line = /^log_lines_dropped_total(?:\{[^}]*\})? (\S+)$/m.exec(text);
  if (!line) throw new Error(`no log_lines_dropped_total on ${metricsUrl}`);
  return Number(line[1]);
}

/**
 * Whether this machine can run a pair: both routers need one core to themselves, shared (taskset and two
 * cores), and a load generator that saturates them from the other core (wrk: two Node generators
 * would spend about as much CPU reading 87 KB answers as the routers spend sending them).
 */
export const canPair = (): boolean => pinned() && useWrk();

/** Refuses, before anything starts, settings a run of rounds cannot measure (a `bench:pair` or `bench:hits`). */
export function checkRounds(what: string, settings: { rounds: number; seconds: number; warmupSeconds: number }): void {
  if (!canPair()) throw new Error(`${what} needs taskset and two or more cores, and wrk (apt-get install wrk)`);
  if (!Number.isInteger(settings.rounds) || settings.rounds < 1)
    throw new Error(`rounds: ${settings.rounds} is not a count of rounds`);
  // wrk runs whole seconds, and CPU per request divides by them.
  const { seconds, warmupSeconds } = settings;
  if (!Number.isInteger(seconds) || seconds < 1 || !Number.isInteger(warmupSeconds) || warmupSeconds < 0)
    throw new Error(
      `seconds (${seconds}) and warm-up seconds (${warmupSeconds}) must be whole seconds, at least 1 and 0`,
    );
}

/** Both routers on the public shape's subgraphs, loaded at once for `rounds` rounds. */
export async function runPair(settings: PairSettings): Promise<PairRound[]> {
  checkRounds("bench:pair", settings);
  const stack = await startBenchSubgraphs();
  const rounds: PairRound[] = [];
  try {
    for (let round = 1; round <= settings.rounds; round++) {
      // New processes every round: one process of a build can run a few percent faster or slower than
      // another of the same build for the whole of its life (how its code and heap happen to be laid out),
      // which rounds of the same two processes would never average out.
      const routers = await startBoth([settings.a, settings.b], stack.file);
      try {
        const [a, b] = routers as [Running, Running];
        // Loads started in turn, A's first in odd rounds: neither side always gets the head start.
        const order = round % 2 ? [a, b] : [b, a];
        const figures = new Map<Running, Promise<RoundFigures>>();
        const ticks = cpuTicks();
        for (const router of order) figures.set(router, measure(router, settings));
        const [fa, fb] = (await Promise.all([figures.get(a), figures.get(b)])) as [RoundFigures, RoundFigures];
        const after = cpuTicks();
        const stealPercent =
          after.total > ticks.total
            ? Math.round(((after.steal - ticks.steal) / (after.total - ticks.total)) * 1000) / 10
            : 0;
        // A wrong answer is a broken build, not a cheaper one.
        for (const [router, figure] of [
          [a, fa],
          [b, fb],
        ] as const) {
          if (figure.errors > 0)
            throw new Error(`router ${router.label} gave ${figure.errors} wrong or failed answers in round ${round}`);
        }
        for (const router of routers) {
          const dropped = await droppedLogLines(router.internalUrl);
          if (dropped > 0)
            throw new Error(
              `router ${router.label} dropped ${dropped} log lines: it was measured without writing them all`,
            );
        }
        const result = { round, stealPercent, a: fa, b: fb, ratio: fb.usPerHit / fa.usPerHit };
        rounds.push(result);
        settings.onRound?.(result);
      } finally {
        await Promise.all(routers.map((router) => stop(router.child)));
      }
    }
  } finally {
    await stack.stop();
  }
  return rounds;
}

const HEADER = [
  "| round | steal % | A req/s | A µs/hit | A p99 ms | B req/s | B µs/hit | B p99 ms | errors | B/A CPU per hit |",
  "|---|---|---|---|---|---|---|---|---|---|",
];
const row = ({ round, stealPercent, a, b, ratio }: PairRound) =>
  `| ${round} | ${stealPercent} | ${a.rps} | ${a.usPerHit.toFixed(1)} | ${a.p99} | ${b.rps} | ${b.usPerHit.toFixed(1)} | ${b.p99} | ${a.errors + b.errors} | ${ratio.toFixed(3)} |`;

async function main(): Promise<void> {
  const settings: PairSettings = {
    a: side("A"),
    b: side("B"),
    rounds: Number(process.env.BENCH_PAIR_ROUNDS ?? 10),
    seconds: Number(process.env.BENCH_SECONDS ?? 10),
    warmupSeconds: Number(process.env.BENCH_WARMUP_SECONDS ?? 3),
    connections: Math.max(1, Math.floor(Number(process.env.BENCH_CONNECTIONS ?? 50) / 2)),
    identical: process.env.BENCH_PAIR_IDENTICAL === "1",
    onRound: (round) => console.log(row(round)),
  };
  console.log(HEADER.join("\n"));
  const rounds = await runPair(settings);
  const ratios = rounds.map((round) => round.ratio);
  const date = new Date().toISOString().slice(0, 19);
  const describe = (target: Side) =>
    `${target.dir === routerImage() ? `the current sources (${sourcesDescription()})` : target.dir} on Node ${target.node.version}${
      Object.keys(target.env).length
        ? ` with ${Object.entries(target.env)
            .map(([name, value]) => `${name}=${value}`)
            .join(" ")}`
        : ""
    }`;
  const markdown = [
    `# Pair ${date}: B's CPU per cache hit over A's, ${median(ratios).toFixed(3)} (median of ${ratios.length} rounds)`,
    "",
    `- machine: ${machineDescription()}; both routers pinned to core 0, each loaded by its own wrk on core 1 with ${settings.connections} connections (${settings.identical ? "every request the same bytes" : "each request distinct, one cache entry"}), ${settings.seconds} s after ${settings.warmupSeconds} s of warm-up per round`,
    `- A: ${describe(settings.a)}`,
    `- B: ${describe(settings.b)}`,
    `- ratios by round: ${ratios.map((ratio) => ratio.toFixed(3)).join(", ")}`,
    "",
    ...HEADER,
    ...rounds.map(row),
    "",
  ].join("\n");
  writeResultFile(date, "pair", markdown);
}

if (process.argv[1] === import.meta.filename) await main();
