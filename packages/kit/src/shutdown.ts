import type { Logger } from "./logger.ts";

/**
 * SIGTERM (Kubernetes, Docker) and SIGINT (Ctrl-C) stop a service gracefully: `stop` stops accepting,
 * waits for in-flight requests and closes pools. If that takes longer than `timeoutMs`, the process exits
 * anyway (code 1), so a stuck connection cannot outlive the orchestrator's grace period.
 */
export function handleShutdownSignals(logger: Logger, stop: () => Promise<void>, timeoutMs: number): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, "graceful shutdown timed out; exiting");
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    stop().then(
      () => {
        logger.info("stopped");
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, "error while shutting down");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}
