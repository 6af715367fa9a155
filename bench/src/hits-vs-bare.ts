// `npm run bench:hits`: cache hits against the bare server, their loaded runs taken in turn, for the
// saturated p99 of a hit next to the bare server's own in the same phase of the machine.
//
// Why not the rows of `npm run bench`: there each gateway's runs come one after the other, and on this
// kind of VM a saturated p99 moves by half or more between runs minutes apart (bench/README.md,
// "Variance"): a ratio of two such rows says as much about the minutes as about the router.
// Here the router (cache on, as it ships) and the bare server run at once, both pinned to the same core,
// and are loaded one at a time, in turn (which goes first alternates by round; new processes of both
// every round), so each round's two figures come from the same minute of the machine. Needs taskset,
// two cores and wrk.
//
// Settings (environment): BENCH_HITS_ROUNDS (6), BENCH_SECONDS (10) measured per run after
// BENCH_WARMUP_SECONDS (3), BENCH_CONNECTIONS (50). Writes bench/results/<date>-hits-vs-bare.md.
import type { ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { checkRounds, median, post } from "./pair.ts";
import { freePort, load, nodePid, spawnPinned, stop, treeCpuSeconds, waitFor } from "./processes.ts";
import { GATEWAYS, startBenchSubgraphs, TEST_BODY } from "./public-shape/run.ts";
import { machineDescription, sourcesDescription, writeResultFile } from "./report.ts";

const ROUTER = "router cache-hit";
const BARE = "bare node http (same bytes)";

export interface HitsSettings {
  rounds: number;
  seconds: number;
  warmupSeconds: number;
  connections: number;
  onRound?: (round: HitsRound) => void;
}

export interface RunFigures {
  rps: number;
  p99: number;
  errors: number;
  /** CPU per request, µs. */
  usPerRequest: number;
}

export interface HitsRound {
  round: number;
  router: RunFigures;
  bare: RunFigures;
}

interface Running {
  name: string;
  child: ChildProcess;
  url: string;
}

async function start(name: string, supergraphFile: string): Promise<Running> {
  const gateway = GATEWAYS.find((candidate) => candidate.name === name);
  if (!gateway) throw new Error(`no gateway named ${name}`);
  const port = await freePort();
  // Neither row uses the run settings (they are for the all-core and Redis rows).
  const spec = gateway.start(supergraphFile, port, {
    seconds: 0,
    warmupSeconds: 0,
    connections: 0,
    unloadedSeconds: 0,
  });
  const child = spawnPinned("gateway", spec.args, spec.env, spec.cwd);
  try {
    await waitFor(child, spec.ready, name);
  } catch (error) {
    await stop(child);
    throw error;
  }
  return { name, child, url: `http://127.0.0.1:${port}${spec.path}` };
}

async function measure(target: Running, expected: string, settings: HitsSettings): Promise<RunFigures> {
  const pid = nodePid(target.child);
  const before = treeCpuSeconds(pid);
  // Each request distinct (a nonce in its extensions, the same cache entry), as the bench's rows send them.
  const result = await load(
    {
      url: target.url,
      body: TEST_BODY,
      connections: settings.connections,
      warmupSeconds: settings.warmupSeconds,
      durationSeconds: settings.seconds,
      expected,
      distinct: true,
    },
    "others",
  );
  const cpu = treeCpuSeconds(pid) - before;
  return {
    rps: result.rps,
    p99: result.p99,
    errors: result.errors,
    usPerRequest: (cpu / (result.rps * (settings.seconds + settings.warmupSeconds))) * 1e6,
  };
}

/** The router, its answer to TestQuery checked and stored, then the bare server sending that answer. */
async function startBoth(supergraphFile: string): Promise<{ router: Running; bare: Running; expected: string }> {
  const router = await start(ROUTER, supergraphFile);
  try {
    // The router's answer is what the bare server sends (its BODY_FILE) and what every response must be.
    const expected = (await post(router.url)).text;
    if (!(JSON.parse(expected) as { data?: unknown }).data)
      throw new Error(`the router answers TestQuery with no data: ${expected.slice(0, 300)}`);
    const second = await post(router.url);
    if (second.cache !== "HIT" || second.text !== expected)
      throw new Error(`the router did not answer from its cache (x-cache: ${second.cache})`);
    writeFileSync(join(dirname(supergraphFile), "expected.json"), expected);
    return { router, bare: await start(BARE, supergraphFile), expected };
  } catch (error) {
    await stop(router.child);
    throw error;
  }
}

/** The router and the bare server on the public shape's subgraphs, loaded in turn for `rounds` rounds. */
export async function runHitsVsBare(settings: HitsSettings): Promise<HitsRound[]> {
  checkRounds("bench:hits", settings);
  const stack = await startBenchSubgraphs();
  const rounds: HitsRound[] = [];
  try {
    for (let round = 1; round <= settings.rounds; round++) {
      // New processes every round, as in bench:pair: one process can run a few percent off another of
      // the same build for its whole life.
      const { router, bare, expected } = await startBoth(stack.file);
      try {
        const order = round % 2 ? [router, bare] : [bare, router];
        const figures = new Map<Running, RunFigures>();
        for (const target of order) figures.set(target, await measure(target, expected, settings));
        const result = { round, router: figures.get(router) as RunFigures, bare: figures.get(bare) as RunFigures };
        for (const [name, figure] of [
          [ROUTER, result.router],
          [BARE, result.bare],
        ] as const) {
          if (figure.errors > 0)
            throw new Error(`${name} gave ${figure.errors} wrong or failed answers in round ${round}`);
        }
        rounds.push(result);
        settings.onRound?.(result);
      } finally {
        await Promise.all([stop(router.child), stop(bare.child)]);
      }
    }
  } finally {
    await stack.stop();
  }
  return rounds;
}

const HEADER = [
  "| round | hits req/s | hits p99 ms | hits µs/req | bare req/s | bare p99 ms | bare µs/req | hits/bare req/s | hits/bare p99 |",
  "|---|---|---|---|---|---|---|---|---|",
];
const row = ({ round, router, bare }: HitsRound) =>
  `| ${round} | ${router.rps} | ${router.p99} | ${router.usPerRequest.toFixed(1)} | ${bare.rps} | ${bare.p99} | ${bare.usPerRequest.toFixed(1)} | ${(router.rps / bare.rps).toFixed(2)} | ${(router.p99 / bare.p99).toFixed(2)} |`;

async function main(): Promise<void> {
  const settings: HitsSettings = {
    rounds: Number(process.env.BENCH_HITS_ROUNDS ?? 6),
    seconds: Number(process.env.BENCH_SECONDS ?? 10),
    warmupSeconds: Number(process.env.BENCH_WARMUP_SECONDS ?? 3),
    connections: Number(process.env.BENCH_CONNECTIONS ?? 50),
    onRound: (round) => console.log(row(round)),
  };
  console.log(HEADER.join("\n"));
  const rounds = await runHitsVsBare(settings);
  const date = new Date().toISOString().slice(0, 19);
  const of = (pick: (round: HitsRound) => number) => median(rounds.map(pick));
  const markdown = [
    `# Cache hits and the bare server, in turn ${date}: p99 ${of((r) => r.router.p99)} ms against ${of((r) => r.bare.p99)} ms (medians of ${rounds.length} rounds)`,
    "",
    `- machine: ${machineDescription()}; both pinned to core 0, loaded in turn by wrk on core 1 with ${settings.connections} connections (each request distinct, one cache entry), ${settings.seconds} s after ${settings.warmupSeconds} s of warm-up per run; new processes of both every round`,
    `- router: the current sources (${sourcesDescription()}), as it ships`,
    `- medians by round: hits/bare throughput ${of((r) => r.router.rps / r.bare.rps).toFixed(2)}, hits/bare p99 ${of((r) => r.router.p99 / r.bare.p99).toFixed(2)}, hits/bare CPU per request ${of((r) => r.router.usPerRequest / r.bare.usPerRequest).toFixed(2)}`,
    "",
    ...HEADER,
    ...rounds.map(row),
    "",
  ].join("\n");
  writeResultFile(date, "hits-vs-bare", markdown);
}

if (process.argv[1] === import.meta.filename) await main();
