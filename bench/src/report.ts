import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import type { LoadResult } from "./load.ts";

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
export function toMarkdown(results: BenchResult[], meta: Record<string, string>): string {
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
  return `${lines.join("\n")}\n`;
}

export function machineDescription(): string {
  const cores = cpus();
  return `${cores.length} × ${cores[0]?.model.trim() ?? "unknown CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

export function writeResults(
  dir: string,
  results: BenchResult[],
  meta: Record<string, string>,
): { json: string; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const stamp = meta.date ?? new Date().toISOString();
  const base = join(dir, stamp.replace(/[:]/g, "-"));
  const json = `${base}.json`;
  const markdown = `${base}.md`;
  writeFileSync(json, `${JSON.stringify({ meta, results }, null, 2)}\n`);
  writeFileSync(markdown, toMarkdown(results, meta));
  return { json, markdown };
}
