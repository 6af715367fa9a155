import { join } from "node:path";
import pg from "pg";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "./embedded.ts";
import { applyMigrations, type PrismaProject } from "./migrations.ts";

export interface DatabaseOptions {
  /** The subgraph that owns the database; names the embedded data directory. */
  name: string;
  /** A real Postgres (`postgres://…`); when absent an embedded one is started under `dataDir/<name>`. */
  url?: string | undefined;
  /** Connections of the pool to a real Postgres (the embedded one takes one). */
  poolSize: number;
  dataDir: string;
  project: PrismaProject;
  /** Apply pending migrations before serving (development default; production runs `db:migrate`). */
  migrate: boolean;
  log?: (message: string) => void;
}

export interface Database {
  connectionString: string;
  embedded: boolean;
  /**
   * Connections the service's pool may open. Embedded: 1. PGlite is a single Postgres session shared by
   * every socket connection, and pglite-socket interleaves their protocol messages; two connections using
   * the extended protocol at once corrupt each other's unnamed portal ("portal does not exist").
   */
  poolSize: number;
  /** Resolves when the database answers a trivial query; throws otherwise (readiness probes). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Connects a subgraph to its own database: the configured Postgres, or the embedded default. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  let embedded: EmbeddedPostgres | undefined;
  let connectionString = options.url;
  if (!connectionString) {
    embedded = await startEmbeddedPostgres(join(options.dataDir, options.name));
    connectionString = embedded.connectionString;
    options.log?.(`embedded Postgres for ${options.name} in ${join(options.dataDir, options.name)}`);
  }
  if (options.migrate) {
    const applied = await applyMigrations(options.project, connectionString);
    if (applied.length > 0) options.log?.(`applied migrations: ${applied.join(", ")}`);
  }
  if (embedded) {
    // In-process: the database is up exactly when this process is. A probe connection would be a second
    // session interleaving with the pool's (see poolSize).
    const running = embedded;
    return { connectionString, embedded: true, poolSize: 1, ping: async () => {}, close: () => running.close() };
  }
  // A connection for health checks apart from Prisma's pool, so a busy pool cannot fail a probe.
  const probe = new pg.Pool({ connectionString, max: 1, idleTimeoutMillis: 10_000, connectionTimeoutMillis: 2_000 });
  probe.on("error", () => {});
  return {
    connectionString,
    embedded: false,
    poolSize: options.poolSize,
    async ping() {
      await probe.query("SELECT 1");
    },
    async close() {
      await probe.end();
    },
  };
}

/**
 * A subgraph's `openDatabase` (see kit's SubgraphSpec): its own database from its config — the
 * configured Postgres, or the embedded default under DATA_DIR/<name>.
 */
export function subgraphDatabase(
  name: string,
  config: { databaseUrl: string | undefined; databasePoolSize: number; dataDir: string },
  project: () => PrismaProject,
): (logger: { info(message: string): void }, migrate: boolean) => Promise<Database> {
  return (logger, migrate) =>
    openDatabase({
      name,
      url: config.databaseUrl,
      poolSize: config.databasePoolSize,
      dataDir: config.dataDir,
      project: project(),
      migrate,
      log: (message) => logger.info(message),
    });
}
