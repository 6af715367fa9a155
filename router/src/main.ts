import { ConfigError, createLogger, handleShutdownSignals } from "@supergraph/kit";
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
  const router = await startRouter(config, logger);
  handleShutdownSignals(logger, { ...config.shutdown, stop: router.close, markShuttingDown: router.markShuttingDown });
} catch (error) {
  logger.fatal({ err: error }, "router failed to start");
  process.exit(1);
}
