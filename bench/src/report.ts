import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import type { LoadResult } from "./load.ts";
import { benchNode } from "./node-binary.ts";

export interface BenchResult {
  name: string;
  scenario: string;
  connections: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  requests: number;
  cpuPer1k: number | null;
  rssMB: number | null;
  fetchesPerOp: number | null;
  /** Scenario B: share of reads served from the response cache, and SQL statements per operation. */
  cacheHitRate?: number | null;
  sqlPerOp?: number | null;
  note?: string;
}

/** A row of the subscriptions scenario: N subscribers on one product's changes, one change at a time. */
export interface SubscriptionResult {
  subscribers: number;
  /** WebSocket connections (one per subscriber). */
  connections: number;
  /** The measured window, after the subscribers were live and a warm-up. */
  seconds: number;
  mutations: number;
  mutationsPerSecond: number;
  /** Events received per second, over all subscribers. */
  eventsPerSecond: number;
  /** Milliseconds from the mutation's response to each delivery (negative: delivered before the response). */
  p50: number;
  p99: number;
  max: number;
  delivered: number;
  /** Subscribers × mutations, minus the events received (within 5 s of each mutation). */
  lost: number;
  beforeResponse: number;
  errors: number;
  /** The router's CPU over the measured window, in % of one core, and per 1,000 events delivered. */
  routerCpuPercent: number;
  cpuMsPer1kEvents: number | null;
  /** CPU in % of one core over the measured window of each process on the other core (subgraphs, the clients). */
  othersCpuPercent: Record<string, number>;
  /** SQL statements of every subgraph over the measured window (the mutations' included), per event delivered. */
  sqlPerEvent: number | null;
  /** The router's peak RSS before the subscribers connected, and over the whole run. */
  idleRssMB: number;
  rssMB: number;
  database: string;
  note?: string;
}

/** The figures a load run contributes to a result row. */
export const loadFigures = ({ rps, p50, p95, p99, errors, requests }: LoadResult) => ({
  rps,
  p50,
  p95,
  p99,
  errors,
  requests,
});

const ratio = (value: number | null | undefined, base: number | null | undefined) =>
  value === null || value === undefined || !base ? "" : ` (${(value / base).toFixed(2)}×)`;

/** The Markdown table: every figure with its ratio to plain @apollo/gateway in the same run and scenario. */
export function toMarkdown(
  results: BenchResult[],
  meta: Record<string, string>,
  subscriptions: SubscriptionResult[] = [],
): string {
  const lines = [
    `# Benchmark ${meta.date}`,
    "",
    ...Object.entries(meta).map(([key, value]) => `- ${key}: ${value}`),
    "",
  ];
  for (const scenario of [...new Set(results.map((result) => result.scenario))]) {
    lines.push(`## ${scenario}`, "");
    const rows = results.filter((result) => result.scenario === scenario);
    const hasCache = rows.some((row) => row.cacheHitRate !== undefined);
    lines.push(
      `| gateway | conns | req/s | p50 ms | p95 ms | p99 ms | errors | CPU s/1k req | peak RSS MB | subgraph fetches/op${hasCache ? " | cache hits | SQL/op" : ""} |`,
      `|---|---|---|---|---|---|---|---|---|---${hasCache ? "|---|---" : ""}|`,
    );
    for (const row of rows) {
      const base = rows.find(
        (candidate) => candidate.name.startsWith("apollo-gateway") && candidate.connections === row.connections,
      );
      lines.push(
        `| ${row.name} | ${row.connections} | ${row.rps}${ratio(row.rps, base?.rps)} | ${row.p50}${ratio(row.p50, base?.p50)} | ${row.p95}${ratio(row.p95, base?.p95)} | ${row.p99}${ratio(row.p99, base?.p99)} | ${row.errors}/${row.requests} | ${row.cpuPer1k ?? "–"}${ratio(row.cpuPer1k, base?.cpuPer1k)} | ${row.rssMB ?? "–"}${ratio(row.rssMB, base?.rssMB)} | ${row.fetchesPerOp ?? "–"}${hasCache ? ` | ${row.cacheHitRate === null || row.cacheHitRate === undefined ? "–" : `${Math.round(row.cacheHitRate * 100)}%`} | ${row.sqlPerOp ?? "–"}` : ""} |`,
      );
    }
    const notes = rows.filter((row) => row.note).map((row) => `- ${row.name}: ${row.note}`);
    lines.push("", ...notes, ...(notes.length ? [""] : []));
  }
  if (subscriptions.length) lines.push(...subscriptionTable(subscriptions));
  return `${lines.join("\n")}\n`;
}

function subscriptionTable(rows: SubscriptionResult[]): string[] {
  const lines = [
    `## Subscriptions: productUpdated to N graphql-ws subscribers (one connection each), one price change at a time, ${rows[0]?.seconds} s each, on ${rows[0]?.database}`,
    "",
    "| subscribers | mutations/s | events/s | response→delivery p50 ms | p99 ms | max ms | lost | router CPU | CPU ms/1k events | RSS MB idle → peak | SQL/event | other core's CPU |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const row of rows)
    lines.push(
      `| ${row.subscribers} | ${row.mutationsPerSecond} | ${row.eventsPerSecond} | ${row.p50} | ${row.p99} | ${row.max} | ${row.lost}/${row.lost + row.delivered} | ${row.routerCpuPercent}% | ${row.cpuMsPer1kEvents ?? "–"} | ${row.idleRssMB} → ${row.rssMB} | ${row.sqlPerEvent ?? "–"} | ${Object.entries(
        row.othersCpuPercent,
      )
        .map(([name, percent]) => `${name} ${percent}%`)
        .join(", ")} |`,
    );
  const notes = rows
    .filter((row) => row.note || row.errors)
    .map((row) => `- ${row.subscribers} subscribers: ${row.errors} errors${row.note ? `; ${row.note}` : ""}`);
  return [...lines, "", ...notes, ...(notes.length ? [""] : [])];
}

export function machineDescription(): string {
  const cores = cpus();
  return `${cores.length} × ${cores[0]?.model.trim() ?? "unknown CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; benchmarked processes on Node ${benchNode().version}`;
}

/** Writes a run's Markdown as `bench/results/<date>-<kind>.md` and prints it; the file's path. */
export function writeResultFile(date: string, kind: string, markdown: string): string {
  const dir = join(import.meta.dirname, "../results");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${date.replace(/:/g, "-")}-${kind}.md`);
  writeFileSync(file, markdown);
  console.log(`\n${markdown}\nWritten: ${file}`);
  return file;
}

/** The commit the current sources are at, `+changes` when the work tree differs from it. */
export function sourcesDescription(): string {
  const git = (...args: string[]) =>
    execFileSync("git", args, {
      cwd: import.meta.dirname,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  try {
    return `${git("rev-parse", "--short", "HEAD")}${git("status", "--porcelain", "--untracked-files=no") ? "+changes" : ""}`;
  } catch {
    return "unknown (not a git checkout)";
  }
}

export function writeResults(
  dir: string,
  results: BenchResult[],
  meta: Record<string, string>,
  subscriptions: SubscriptionResult[] = [],
): { json: string; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const stamp = meta.date ?? new Date().toISOString();
  const base = join(dir, stamp.replace(/[:]/g, "-"));
  const json = `${base}.json`;
  const markdown = `${base}.md`;
  writeFileSync(json, `${JSON.stringify({ meta, results, subscriptions }, null, 2)}\n`);
  writeFileSync(markdown, toMarkdown(results, meta, subscriptions));
  return { json, markdown };
}
