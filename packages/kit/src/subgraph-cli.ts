import { randomBytes } from "node:crypto";
import type { BaseContext } from "@apollo/server";
import { ConfigError } from "./config.ts";
import type { InvalidationContext } from "./invalidation.ts";
import { exitAfterLogs, serviceLogger } from "./logger.ts";
import { handleShutdownSignals } from "./shutdown.ts";
import { type SubgraphSpec, startSubgraph } from "./subgraph.ts";
import { startTracing } from "./tracing.ts";

/**
 * A subgraph's process entry point (`src/main.ts`):
 *   serve   (default) start the subgraph; SIGTERM/SIGINT stop it gracefully
 *   migrate apply pending migrations to its database and exit (`npm run db:migrate`, the pods' init
 *           container); it needs the database's settings alone, no secret
 *   seed    migrate, load the demo data and exit
 *   <name>  one of the subgraph's own `commands` (e.g. users' create-admin): migrate, run it with the
 *           remaining arguments, exit. A CommandError is a mistake of the operator's: its message alone
 *           is printed, and the exit code is 64 (EX_USAGE).
 */
export async function runSubgraphCli<
  TDb extends { $disconnect(): Promise<void> },
  TContext extends BaseContext & InvalidationContext,
  TServices extends { close(): Promise<void> } | undefined = undefined,
>(
  loadSpec: () => SubgraphSpec<TDb, TContext, TServices>,
  command = process.argv[2] ?? "serve",
  args = process.argv.slice(3),
): Promise<void> {
  if (command === "migrate") {
    // Migrating signs and verifies no token: a random stand-in for a secret it is not given lets its
    // container (a Kubernetes init container, compose's <name>-migrate) hold the database's URL alone.
    for (const secret of ["INTERNAL_TOKEN_SECRET", "JWT_SECRET"])
      process.env[secret] ||= randomBytes(32).toString("base64url");
  }
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
    const own = spec.commands?.[command];
    if (command === "migrate" || command === "seed" || own) {
      // Node as PID 1 (an init container) ignores SIGTERM it does not listen for: the pod's deletion would
      // wait out its whole grace period. Stopped now, as the kill after that period would stop it.
      for (const signal of ["SIGTERM", "SIGINT"] as const)
        process.once(signal, () => {
          logger.warn({ signal }, `${spec.name} ${command} interrupted`);
          exitAfterLogs(logger, 1);
        });
      const database = await spec.openDatabase(logger, true);
      try {
        if (command === "seed" && spec.seed) {
          const db = spec.createDb(database);
          await spec.seed(db).finally(() => db.$disconnect());
          logger.info("demo data seeded");
        }
        if (own) {
          const db = spec.createDb(database);
          await own(db, args, logger).finally(() => db.$disconnect());
        }
      } finally {
        await database.close();
      }
      // Done: exit now rather than when the migration engine's idle pg connections time out (10 s later).
      exitAfterLogs(logger, 0);
      return;
    }
    const known = ["serve", "migrate", "seed", ...Object.keys(spec.commands ?? {})].join(", ");
    throw new CommandError(`unknown command ${JSON.stringify(command)} (expected one of: ${known})`);
  } catch (error) {
    if (error instanceof CommandError) {
      console.error(`${spec.name} ${command}: ${error.message}`);
      process.exit(64); // EX_USAGE
    }
    logger.fatal({ err: error }, `${spec.name} failed to ${command}`);
    exitAfterLogs(logger, 1);
  }
}

/** A command given wrong arguments or input: the message says what to fix; no stack trace is printed. */
export class CommandError extends Error {
  override name = "CommandError";
}
