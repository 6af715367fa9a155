import cluster, { type Worker } from "node:cluster";
import { exitAfterLogs, type Logger } from "@supergraph/kit/runtime";
import { AggregatorRegistry, type Registry } from "prom-client";
import type { RouterConfig } from "../config.ts";

// Several router processes on one machine (ROUTER_WORKERS), as Node's own `cluster` module runs them: the
// primary holds the listening socket and hands connections to the workers in turn; each worker is a
// whole router. The primary serves no requests. It keeps the workers running, stops them gracefully, and
// answers `/metrics` for all of them (prom-client's AggregatorRegistry gathers the workers' registries,
// each series labelled with its worker).
//
// Hand-written on node:cluster: the supervisors on npm (pm2, throng) either bring a daemon and their own
// logs and config, or are unmaintained; what a router needs here is these few rules.

const METRICS_REQUEST = "router:metrics-request";
const METRICS_RESPONSE = "router:metrics-response";

/** More crashes than this per worker within CRASH_WINDOW_MS: the primary gives up and exits 1 (let the orchestrator act). */
const MAX_CRASHES_PER_WORKER = 5;
const CRASH_WINDOW_MS = 60_000;

interface MetricsRequest {
  type: typeof METRICS_REQUEST;
  id: number;
}
interface MetricsResponse {
  type: typeof METRICS_RESPONSE;
  id: number;
  text?: string;
  error?: string;
}

/**
 * The primary process: forks `config.workers` routers and supervises them until SIGTERM/SIGINT, then
 * passes the signal on and exits once every worker has stopped (0 if all stopped cleanly).
 */
export function runPrimary(config: RouterConfig, logger: Logger): void {
  const aggregator = new AggregatorRegistry();
  // Tracked here rather than read from cluster.workers, which keeps a dead worker until its IPC channel
  // has closed too.
  const alive = new Set<number>();
  const crashes: number[] = [];
  const stoppedWith: number[] = [];
  const listening = new Set<number>();
  let stopping = false;
  let exitCode = 0;

  const fork = () => alive.add(cluster.fork().id);
  cluster.on("listening", (worker, address) => {
    // A worker's first port is its public one (the internal port follows).
    if (listening.has(worker.id)) return;
    listening.add(worker.id);
    logger.info({ worker: worker.id, pid: worker.process.pid, port: address.port }, "router worker listening");
    if (listening.size === config.workers)
      logger.info({ workers: config.workers }, `all ${config.workers} router workers listening`);
  });
  cluster.on("message", (worker: Worker, message: MetricsRequest) => {
    if (message?.type !== METRICS_REQUEST) return;
    const answer = (response: Omit<MetricsResponse, "type" | "id">) => {
      if (worker.isConnected())
        worker.send({ type: METRICS_RESPONSE, id: message.id, ...response } satisfies MetricsResponse);
    };
    aggregator.clusterMetrics().then(
      (text) => answer({ text }),
      (error: Error) => answer({ error: error.message }),
    );
  });

  const finish = () => {
    logger.info({ workers: stoppedWith.length }, "router workers stopped");
    exitAfterLogs(logger, stoppedWith.some((code) => code !== 0) ? 1 : exitCode);
  };
  cluster.on("exit", (worker, code, signal) => {
    alive.delete(worker.id);
    listening.delete(worker.id);
    if (stopping) {
      // Killed by our SIGTERM before it had its handlers (still starting): nothing was in flight.
      stoppedWith.push(code ?? (signal === "SIGTERM" ? 0 : 1));
      if (alive.size === 0) finish();
      return;
    }
    logger.error({ worker: worker.id, pid: worker.process.pid, code, signal }, "router worker died; starting another");
    const now = Date.now();
    crashes.push(now);
    while (crashes.length > 0 && (crashes[0] as number) < now - CRASH_WINDOW_MS) crashes.shift();
    if (crashes.length > MAX_CRASHES_PER_WORKER * config.workers) {
      logger.fatal({ crashes: crashes.length, windowMs: CRASH_WINDOW_MS }, "router workers keep dying; giving up");
      stop("SIGTERM", 1);
      return;
    }
    // A worker that dies at once (a bad supergraph, a port in use) must not turn into a fork loop.
    setTimeout(() => stopping || fork(), Math.min(5_000, 250 * 2 ** (crashes.length - 1)));
  });

  const stop = (signal: NodeJS.Signals, code = 0) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    logger.info({ signal, workers: alive.size }, "stopping router workers");
    if (alive.size === 0) finish();
    for (const id of alive) cluster.workers?.[id]?.process.kill("SIGTERM");
    // Each worker stops within its own SHUTDOWN_TIMEOUT_MS; this only covers one that hangs anyway.
    const timer = setTimeout(() => {
      logger.error("router workers did not stop in time; killing them");
      for (const id of alive) cluster.workers?.[id]?.process.kill("SIGKILL");
      exitAfterLogs(logger, 1);
    }, config.shutdown.timeoutMs + 5_000);
    timer.unref();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));

  logger.info({ workers: config.workers }, "starting router workers");
  for (let index = 0; index < config.workers; index++) fork();
}

/**
 * In a worker, the label its metrics carry. Each series keeps its worker rather than being summed across
 * workers: a restarted worker starts from zero under a new id, where a sum would drop and look like a
 * counter reset to Prometheus. Outside a cluster, none.
 */
export const workerLabels = (): Record<string, string> => (cluster.worker ? { worker: String(cluster.worker.id) } : {});

/**
 * In a worker: makes this worker's registry part of the cluster's, and returns what `/metrics` serves —
 * every worker's metrics (labelled by `workerLabels`), asked of the primary: a scrape reaches one
 * worker at random. Outside a cluster, undefined: the registry serves itself.
 */
export function clusterMetrics(registry: Registry): (() => Promise<string>) | undefined {
  if (!cluster.isWorker) return undefined;
  AggregatorRegistry.setRegistries([registry]);
  // Constructing one installs prom-client's listener that answers the primary's requests.
  new AggregatorRegistry();
  let next = 0;
  const pending = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();
  process.on("message", (message: MetricsResponse) => {
    if (message?.type !== METRICS_RESPONSE) return;
    const request = pending.get(message.id);
    if (!request) return;
    pending.delete(message.id);
    if (message.text !== undefined) request.resolve(message.text);
    else request.reject(new Error(message.error ?? "no metrics from the primary"));
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error("the primary did not answer with the cluster's metrics"));
      }, 10_000);
      pending.set(id, {
        resolve: (text) => {
          clearTimeout(timer);
          resolve(text);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      process.send?.({ type: METRICS_REQUEST, id } satisfies MetricsRequest);
    });
}
