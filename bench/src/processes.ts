import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus } from "node:os";
import { join } from "node:path";
import type { LoadOptions, LoadResult } from "./load.ts";
import { benchNode } from "./node-binary.ts";
import { runWrk, useWrk } from "./wrk.ts";

// Where each process runs. With two or more cores and `taskset`, the gateway under test gets core 0 to
// itself and everything else (subgraphs, load generator) shares core 1, as the public benchmark does.
let taskset = false;
try {
  execFileSync("taskset", ["-c", "0", "true"], { stdio: "ignore" });
  taskset = cpus().length >= 2;
} catch {}
/** Whether processes are pinned to cores (see `pinning`). */
export const pinned = (): boolean => taskset;
export const pinning = taskset
  ? "gateway pinned to core 0; subgraphs and load generator on core 1 (taskset)"
  : "not pinned (no taskset or one core)";

/** `all`: not pinned, for the all-core runs (several router workers, and their load generator). */
export type Core = "gateway" | "others" | "all";

/** A Node process on the given core, on the benchmark's Node (see node-binary.ts) unless `node` names another. */
export function spawnPinned(
  core: Core,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd?: string,
  node: string = benchNode().path,
): ChildProcess {
  return spawnOn(core, [node, ...args], env, cwd);
}

/** Any command on the given core. */
export function spawnOn(core: Core, argv: string[], env: NodeJS.ProcessEnv, cwd?: string): ChildProcess {
  const [command, ...args] =
    taskset && core !== "all" ? ["taskset", "-c", core === "gateway" ? "0" : "1", ...argv] : argv;
  return spawn(command as string, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
}

/** Resolves with the first match of `pattern` in the process's output; rejects if it exits first. */
export function waitFor(
  child: ChildProcess,
  pattern: RegExp,
  what: string,
  timeoutMs = 60_000,
): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(
      () => reject(new Error(`${what} not ready after ${timeoutMs} ms:\n${output.slice(-2000)}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        child.stderr?.off("data", onData);
        resolve(match);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    // "close", not "exit": a process that prints its result and exits may exit before its output is read.
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code ?? signal}) before it was ready:\n${output.slice(-2000)}`));
    });
  });
}

/** The process whose CPU and memory we measure: the node process itself, not the taskset wrapper. */
export function nodePid(child: ChildProcess): number {
  // taskset execs node in place, keeping the pid.
  return child.pid ?? 0;
}

const TICKS_PER_SECOND = 100;

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces): [0] state, [1] ppid, … */
function statFields(pid: number | string): string[] {
  return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
}

/** User + system CPU seconds a process has used so far (Linux /proc). */
export function cpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** The process and every process below it (a router's or a bare server's cluster workers). */
export function processTree(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      parents.set(Number(entry), Number(statFields(entry)[1]));
    } catch {} // exited meanwhile
  }
  const tree = [pid];
  for (let index = 0; index < tree.length; index++) {
    for (const [child, parent] of parents) if (parent === tree[index]) tree.push(child);
  }
  return tree;
}

/** CPU seconds of a process and its descendants. */
export function treeCpuSeconds(pid: number): number {
  return processTree(pid).reduce((sum, member) => {
    try {
      return sum + cpuSeconds(member);
    } catch {
      return sum;
    }
  }, 0);
}

/** Peak resident set size in MB (Linux /proc VmHWM), summed over the process and its descendants. */
export function peakRssMB(pid: number): number {
  let kB = 0;
  for (const member of processTree(pid)) {
    try {
      const line = readFileSync(`/proc/${member}/status`, "utf8")
        .split("\n")
        .find((candidate) => candidate.startsWith("VmHWM:"));
      kB += Number(line?.split(/\s+/)[1] ?? 0);
    } catch {}
  }
  return Math.round(kB / 1024);
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  // A process writing a CPU profile on exit (BENCH_CPU_PROFILE) needs longer.
  const timer = setTimeout(() => child.kill("SIGKILL"), process.env.BENCH_CPU_PROFILE ? 120_000 : 10_000);
  await exited;
  clearTimeout(timer);
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/**
 * Runs the load generator in its own process, on the core the gateway does not use (or on any core for
 * the all-core runs): wrk for one request sent over and over when it is installed, our Node generator
 * otherwise and for mixes.
 */
export async function load(options: LoadOptions, core: Core = "others"): Promise<LoadResult> {
  const expected = options.expectedBase64 ? Buffer.from(options.expectedBase64, "base64") : options.expected;
  if (options.body && expected && !options.requests && useWrk()) return runWrk(options, expected, core);
  const child = spawnPinned(
    core,
    ["--import", "tsx", join(import.meta.dirname, "load.ts"), JSON.stringify(options)],
    {},
  );
  const [line] = await waitFor(
    child,
    /^\{.*\}$/m,
    "load generator",
    (options.warmupSeconds + options.durationSeconds) * 1000 + 60_000,
  );
  return JSON.parse(line) as LoadResult;
}
