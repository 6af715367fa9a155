import { exitAfterLogs, type Logger } from "./logger.ts";

export interface ShutdownOptions {
  /** Stop accepting, finish in-flight requests, close pools. */
  stop: () => Promise<void>;
  /** Turn readiness off at once. */
  markShuttingDown?: () => void;
  /**
   * How long to keep serving, not ready, before closing the listener: load balancers (Kubernetes
   * endpoints) need a moment to stop routing new requests here, or those requests would be refused.
   */
  drainDelayMs: number;
  /** Past this, the process exits anyway (code 1): a stuck request cannot outlive the grace period. */
  timeoutMs: number;
}

/** SIGTERM (Kubernetes, Docker) and SIGINT (Ctrl-C) stop a service gracefully, then exit 0. */
export function handleShutdownSignals(logger: Logger, options: ShutdownOptions): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    options.markShuttingDown?.();
    const timer = setTimeout(() => {
      logger.error({ timeoutMs: options.timeoutMs }, "graceful shutdown timed out; exiting");
      exitAfterLogs(logger, 1);
    }, options.timeoutMs);
    timer.unref();
    new Promise((resolve) => setTimeout(resolve, options.drainDelayMs))
      .then(() => options.stop())
      .then(
        () => {
          logger.info("stopped");
          exitAfterLogs(logger, 0);
        },
        (error: unknown) => {
          logger.error({ err: error }, "error while shutting down");
          exitAfterLogs(logger, 1);
        },
      );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}
