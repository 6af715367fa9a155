import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus } from "node:os";
import { join } from "node:path";
import type { LoadOptions, LoadResult } from "./load.ts";

// Where each process runs. With two or more cores and `taskset`, the gateway under test gets core 0 to
// itself and everything else (subgraphs, load generator) shares core 1, as the public benchmark does.
let taskset = false;
try {
  execFileSync("taskset", ["-c", "0", "true"], { stdio: "ignore" });
  taskset = cpus().length >= 2;
} catch {}
export const pinning = taskset ? "gateway pinned to core 0; subgraphs and load generator on core 1 (taskset)" : "not pinned (no taskset or one core)";

export type Core = "gateway" | "others";

export function spawnPinned(core: Core, args: string[], env: NodeJS.ProcessEnv, cwd?: string): ChildProcess {
  const command = taskset ? "taskset" : process.execPath;
  const argv = taskset ? ["-c", core === "gateway" ? "0" : "1", process.execPath, ...args] : args;
  return spawn(command, argv, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
}

/** Resolves with the first match of `pattern` in the process's output; rejects if it exits first. */
export function waitFor(child: ChildProcess, pattern: RegExp, what: string, timeoutMs = 60_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`${what} not ready after ${timeoutMs} ms:\n${output.slice(-2000)}`)), timeoutMs);
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
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) before it was ready:\n${output.slice(-2000)}`));
    });
  });
}

/** The process whose CPU and memory we measure: the node process itself, not the taskset wrapper. */
export function nodePid(child: ChildProcess): number {
  // taskset execs node in place, keeping the pid.
  return child.pid ?? 0;
}

const TICKS_PER_SECOND = 100;

/** User + system CPU seconds a process has used so far (Linux /proc). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Peak resident set size in MB (Linux /proc VmHWM). */
export function peakRssMB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((candidate) => candidate.startsWith("VmHWM:"));
  return Math.round(Number(line?.split(/\s+/)[1] ?? 0) / 1024);
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
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

/** Runs the load generator in its own process, on the core the gateway does not use. */
export async function load(options: LoadOptions): Promise<LoadResult> {
  const child = spawnPinned("others", ["--import", "tsx", join(import.meta.dirname, "load.ts"), JSON.stringify(options)], {});
  const [line] = await waitFor(child, /^\{.*\}$/m, "load generator", (options.warmupSeconds + options.durationSeconds) * 1000 + 60_000);
  return JSON.parse(line) as LoadResult;
}
