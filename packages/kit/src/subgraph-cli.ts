import type { BaseContext } from "@apollo/server";
import { ConfigError } from "./config.ts";
import type { InvalidationContext } from "./invalidation.ts";
import { exitAfterLogs, serviceLogger } from "./logger.ts";
import { handleShutdownSignals } from "./shutdown.ts";
import { startTracing } from "./tracing.ts";
import { startSubgraph, type SubgraphSpec } from "./subgraph.ts";

/**
 * A subgraph's process entry point (`src/main.ts`):
 *   serve   (default) start the subgraph; SIGTERM/SIGINT stop it gracefully
 *   migrate apply pending migrations to its database and exit (`npm run db:migrate`, the Kubernetes Job)
 *   seed    migrate, load the demo data and exit
 */
export async function runSubgraphCli<
  TDb extends { $disconnect(): Promise<void> },
  TContext extends BaseContext & InvalidationContext,
  TServices extends { close(): Promise<void> } | undefined = undefined,
>(loadSpec: () => SubgraphSpec<TDb, TContext, TServices>, command = process.argv[2] ?? "serve"): Promise<void> {
  let spec: SubgraphSpec<TDb, TContext, TServices>;
  try {
    spec = loadSpec();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(78); // EX_CONFIG
  }
  const logger = spec.logger ?? serviceLogger(spec.name, spec.config);
  try {
    if (command === "serve") {
      const tracing = startTracing(spec.name, spec.config.otlpEndpoint);
      const running = await startSubgraph({ ...spec, logger });
      const stop = async () => {
        await running.close();
        await tracing?.shutdown();
      };
      handleShutdownSignals(logger, { ...spec.config.shutdown, stop, markShuttingDown: running.markShuttingDown });
      return;
    }
    if (command === "migrate" || command === "seed") {
      const database = await spec.openDatabase(logger, true);
      if (command === "seed" && spec.seed) {
        const db = spec.createDb(database);
        await spec.seed(db).finally(() => db.$disconnect());
        logger.info("demo data seeded");
      }
      await database.close();
      return;
    }
    throw new Error(`unknown command ${JSON.stringify(command)} (expected serve, migrate or seed)`);
  } catch (error) {
    logger.fatal({ err: error }, `${spec.name} failed to ${command}`);
    exitAfterLogs(logger, 1);
  }
}
