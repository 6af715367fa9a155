import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import type { DocumentNode } from "graphql";
import type { CommonConfig } from "./config.ts";
import type { InternalIdentity } from "./internal-token.ts";
import type { InvalidationContext } from "./invalidation.ts";
import { type Logger, serviceLogger } from "./logger.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import { type SubgraphResolvers, startSubgraphServer } from "./subgraph-server.ts";

export interface SubgraphDatabase {
  connectionString: string;
  poolSize: number;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** An Apollo Server plugin, for subgraphs that do not depend on @apollo/server themselves. */
export type SubgraphPlugin<TContext extends BaseContext> = ApolloServerPlugin<TContext>;

export interface SubgraphSpec<
  TDb extends { $disconnect(): Promise<void> },
  TContext extends BaseContext & InvalidationContext,
  TServices extends { close(): Promise<void> } | undefined = undefined,
> {
  name: string;
  config: CommonConfig & { port: number; seedOnStart: boolean; migrateOnStart: boolean; cacheDefaultMaxAge: number };
  typeDefs: DocumentNode;
  resolvers: SubgraphResolvers;
  /** Opens the subgraph's own database, applying pending migrations first when `migrate` is true. */
  openDatabase: (logger: Logger, migrate: boolean) => Promise<SubgraphDatabase>;
  createDb: (connection: { connectionString: string; poolSize: number }, metrics?: Metrics) => TDb;
  seed?: (db: TDb) => Promise<void>;
  /** Process-wide state besides the database (e.g. limits shared through Redis): made before the server, closed after it. */
  services?: (metrics: Metrics, logger: Logger) => TServices;
  context: (db: TDb, identity: InternalIdentity, logger: Logger, services: TServices) => TContext;
  /** More CLI commands (`main.js <name> [args…]`), run against the migrated database; see subgraph-cli.ts. */
  commands?: Record<string, (db: TDb, args: string[], logger: Logger) => Promise<void>>;
  logger?: Logger;
  /** Apollo Server plugins of this subgraph's own (e.g. the users subgraph's revocation report). */
  plugins?: ApolloServerPlugin<TContext>[];
}

export interface RunningSubgraph<TDb> {
  url: string;
  /** The database it serves from (for tests and tools; the embedded one's is a loopback URL). */
  connectionString: string;
  db: TDb;
  metrics: Metrics;
  logger: Logger;
  /** Readiness off (the first step of a graceful stop). */
  markShuttingDown(): void;
  /** Graceful stop: readiness off, in-flight requests finish, then the database pool and server close. */
  close(): Promise<void>;
}

/** The start-up every subgraph shares: database, Prisma client, demo data, then the GraphQL server. */
export async function startSubgraph<
  TDb extends { $disconnect(): Promise<void> },
  TContext extends BaseContext & InvalidationContext,
  TServices extends { close(): Promise<void> } | undefined = undefined,
>(spec: SubgraphSpec<TDb, TContext, TServices>): Promise<RunningSubgraph<TDb>> {
  const logger = spec.logger ?? serviceLogger(spec.name, spec.config);
  const metrics = createMetrics(spec.name);
  const database = await spec.openDatabase(logger, spec.config.migrateOnStart);
  const db = spec.createDb(database, metrics);
  let services: TServices | undefined;
  try {
    services = spec.services?.(metrics, logger);
    if (spec.config.seedOnStart && spec.seed) {
      await spec.seed(db);
      logger.info("demo data seeded");
    }
    const server = await startSubgraphServer<TContext>({
      name: spec.name,
      config: spec.config,
      typeDefs: spec.typeDefs,
      resolvers: spec.resolvers,
      logger,
      metrics,
      readiness: () => database.ping(),
      context: (identity) => spec.context(db, identity, logger, services as TServices),
      plugins: spec.plugins,
    });
    return {
      url: server.url,
      connectionString: database.connectionString,
      db,
      metrics,
      logger,
      markShuttingDown: server.markShuttingDown,
      async close() {
        await server.stop();
        await services?.close();
        await db.$disconnect();
        await database.close();
      },
    };
  } catch (error) {
    await services?.close().catch(() => {});
    await db.$disconnect().catch(() => {});
    await database.close().catch(() => {});
    throw error;
  }
}
