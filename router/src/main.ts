import cluster from "node:cluster";
import {
  ConfigError,
  exitAfterLogs,
  handleShutdownSignals,
  type Logger,
  serviceLogger,
  startTracing,
} from "@supergraph/kit/runtime";
import { loadConfig, startRouter } from "./index.ts";
import { runPrimary } from "./process/workers.ts";

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(78); // EX_CONFIG
}
const root = serviceLogger("router", config);
const worker = cluster.worker;
if (config.workers > 1 && cluster.isPrimary) {
  // ROUTER_WORKERS: this process only supervises; each worker runs this file again as a router.
  runPrimary(config, root);
} else {
  await serve(worker ? root.child({ worker: worker.id }) : root);
}

async function serve(logger: Logger): Promise<void> {
  try {
    const tracing = startTracing("router", config.otlpEndpoint);
    const router = await startRouter(config, logger);
    const stop = async () => {
      await router.close();
      await tracing?.shutdown();
    };
    handleShutdownSignals(logger, { ...config.shutdown, stop, markShuttingDown: router.markShuttingDown });
  } catch (error) {
    logger.fatal({ err: error }, "router failed to start");
    exitAfterLogs(logger, 1);
  }
}
