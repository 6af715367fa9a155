// How `npm run dev` waits for a service: as long as it is alive and making progress, however slow the
// machine. A fixed deadline reported healthy services as failed on a loaded machine (all four subgraphs
// "did not start" at 120 s, then answered); only a service that exited, or went quiet, is reported.
import { readFileSync } from "node:fs";

export interface Watched {
  /** One readiness probe: true once the service answers ready. */
  ready(): Promise<boolean>;
  /** Whether the process has exited. */
  exited(): boolean;
  /** A number that grows while the service works: lines printed, CPU time used. */
  progress(): number;
}

export type Outcome = "ready" | "exited" | "silent";

export interface WaitOptions {
  /** How long without any progress before giving up (`silent`). Default 3 minutes. */
  silenceMs?: number;
  intervalMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export async function waitUntilReady(service: Watched, options: WaitOptions = {}): Promise<Outcome> {
  const { silenceMs = 180_000, intervalMs = 250, now = Date.now } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let last = service.progress();
  let lastChange = now();
  for (;;) {
    if (await service.ready()) return "ready";
    if (service.exited()) return "exited";
    const progress = service.progress();
    if (progress !== last) {
      last = progress;
      lastChange = now();
    } else if (now() - lastChange >= silenceMs) {
      return "silent";
    }
    await sleep(intervalMs);
  }
}

/** CPU time (clock ticks) a process has used, from /proc on Linux; 0 where that cannot be read. */
export function cpuTicks(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** One readiness probe of a `/health/ready` URL, never hanging longer than `timeoutMs`. */
export async function probe(url: string, timeoutMs = 2_000): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })).ok;
  } catch {
    return false;
  }
}
