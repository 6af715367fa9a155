// Summarises V8 .cpuprofile files (from BENCH_CPU_PROFILE): self time by package or file, the biggest
// first.   tsx profile-summary.ts <dir> [top]
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const where = (url: string): string => {
  const inModules = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inModules?.[1]) return inModules[1];
  if (url.startsWith("node:") || url === "") return url || "(native / idle / gc)";
  return url.replace(/^file:\/\/.*?\/(router|packages|subgraphs|bench)\//, "$1/");
};

const dir = process.argv[2] ?? ".";
const top = Number(process.argv[3] ?? 15);
const totals = new Map<string, number>();
let all = 0;
for (const file of readdirSync(dir).filter((name) => name.endsWith(".cpuprofile"))) {
  const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  profile.samples.forEach((id, index) => {
    const node = byId.get(id);
    const key = node?.callFrame.functionName === "(idle)" ? "(idle)" : where(node?.callFrame.url ?? "");
    const delta = profile.timeDeltas[index] ?? 0;
    totals.set(key, (totals.get(key) ?? 0) + delta);
    all += delta;
  });
}
const busy = all - (totals.get("(idle)") ?? 0);
console.log(`busy ${(busy / 1e6).toFixed(1)} s of ${(all / 1e6).toFixed(1)} s`);
for (const [key, micros] of [...totals]
  .filter(([key]) => key !== "(idle)")
  .sort((a, b) => b[1] - a[1])
  .slice(0, top)) {
  console.log(`${((micros / busy) * 100).toFixed(1).padStart(5)}%  ${key}`);
}
