import { ConfigError, createLogger, handleShutdownSignals, startTracing } from "@supergraph/kit";
import { loadConfig, startRouter } from "./index.ts";

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(78); // EX_CONFIG
}
const logger = createLogger("router", config.logLevel);
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
  process.exit(1);
}
