import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll } from "vitest";
import { type Stack, testEnv } from "./harness.ts";

const root = join(import.meta.dirname, "..");

/** A service running as its own process, as in production (its own signals, its own OpenTelemetry). */
export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  /** The internal URL it logged (`internalUrl`: the router's `/metrics`, `POST /invalidation`), if any. */
  internalUrl: string | undefined;
  /** Every line it has written so far (stdout and stderr), kept up to date while it runs. */
  lines: string[];
  exit: Promise<number | null>;
}

/** Every process a test file started that has not exited yet. */
const running = new Set<ChildProcess>();
// Stopped after the file's tests, so that one whose test timed out (before it was ready, or before the
// test stopped it) does not outlive the file.
afterAll(() => {
  for (const child of running) child.kill("SIGKILL");
});

/**
 * Starts `entry` (e.g. `router/src/main.ts`) with tsx, on the test settings plus `env` (logs at info).
 * Resolves once its output has matched `listening`, whose first group is the URL, and `ready` if given;
 * rejects, with the output, if it exits first.
 */
export function startProcess(
  entry: string,
  env: Record<string, string>,
  listening: RegExp,
  ready?: RegExp,
): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", entry], {
    cwd: root,
    env: { ...process.env, ...testEnv({ LOG_LEVEL: "info", ...env }) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  const lines: string[] = [];
  const exit = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  return new Promise((resolve, reject) => {
    let partial = "";
    const onData = (chunk: Buffer) => {
      const complete = (partial + chunk.toString()).split("\n");
      partial = complete.pop() ?? "";
      lines.push(...complete);
      const text = lines.join("\n");
      const url = listening.exec(text)?.[1];
      if (url && (!ready || ready.test(text)))
        resolve({ child, url, internalUrl: INTERNAL_URL.exec(text)?.[1], lines, exit });
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    exit.then((code) =>
      reject(new Error(`${entry} exited with ${code} before it was ready:\n${[...lines, partial].join("\n")}`)),
    );
  });
}

const INTERNAL_URL = /"internalUrl":"(http:\/\/[^"]+)"/;

/** A router process's internal URL (where its `/metrics` is); throws if it logged none. */
export function internalUrlOf(service: ServiceProcess): string {
  if (!service.internalUrl) throw new Error(`no internalUrl in its listening line:\n${service.lines.join("\n")}`);
  return service.internalUrl;
}

/** What the router logs once it listens, its URL first. */
export const ROUTER_LISTENING = /"url":"(http:\/\/[^"]+\/graphql)","msg":"router listening"/;

/** The router as `main.ts` runs it, forking `workers` workers (ROUTER_WORKERS), in front of a stack's subgraphs. */
export function startRouterWorkers(
  stack: Stack,
  workers: number,
  env: Record<string, string>,
): Promise<ServiceProcess> {
  return startProcess(
    "router/src/main.ts",
    {
      PORT: "0",
      ROUTER_WORKERS: String(workers),
      USERS_URL: stack.users.url,
      PRODUCTS_URL: stack.products.url,
      ORDERS_URL: stack.orders.url,
      POSTS_URL: stack.posts.url,
      ...env,
    },
    ROUTER_LISTENING,
    new RegExp(`all ${workers} router workers listening`),
  );
}

/** Which of a router's workers logged these requests (log lines are written in batches, at most 100 ms late). */
export async function workersServing(router: ServiceProcess, requestIds: string[]): Promise<Set<number | undefined>> {
  const logged = () =>
    router.lines.filter(
      (line) => line.includes('"msg":"request"') && requestIds.some((id) => line.includes(`"reqId":"${id}"`)),
    );
  for (let attempt = 0; attempt < 40 && logged().length < requestIds.length; attempt++)
    await new Promise((resolve) => setTimeout(resolve, 50));
  return new Set(logged().map((line) => (JSON.parse(line) as { worker?: number }).worker));
}
