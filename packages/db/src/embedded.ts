import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import lockfile from "proper-lockfile";

export interface EmbeddedPostgres {
  connectionString: string;
  close(): Promise<void>;
}

/**
 * A Postgres that needs nothing installed: PGlite (Postgres compiled to WebAssembly) keeping its files in
 * `dataDir` (or in memory), served on a loopback port by pglite-socket, so the subgraph reaches it with the same `pg`
 * driver and Prisma adapter as a real server. PGlite runs one query at a time; fine for development.
 */
export async function startEmbeddedPostgres(dataDir: string | null, port = 0): Promise<EmbeddedPostgres> {
  // null: an in-memory database, gone when closed.
  let release: (() => Promise<void>) | undefined;
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    // PGlite has no postmaster to arbitrate: two processes opening one data directory corrupt it.
    release = await lockfile
      .lock(dataDir, {
        lockfilePath: `${dataDir}.lock`,
        stale: 15_000,
        // The default throws from a timer (crashing the service) if the lock could not be refreshed in time,
        // e.g. after a long pause in a debugger. The database is still ours: warn and go on.
        onCompromised: (error) => console.warn(`embedded database lock: ${error.message}`),
      })
      .catch((error) => {
        if (error.code !== "ELOCKED") throw error;
        throw new Error(
          `The embedded database in ${dataDir} is in use by another process (is \`npm run dev\` running?).`,
        );
      });
  }
  const db = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
  // Without maxConnections the server accepts a single connection and a pg.Pool gets ECONNRESET.
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port, maxConnections: 16 });
  await server.start();
  return {
    // getServerConn() is "host:port", with the port the OS picked when asked for 0.
    connectionString: `postgres://postgres:postgres@${server.getServerConn()}/postgres?sslmode=disable`,
    async close() {
      await server.stop();
      await db.close();
      await release?.();
    },
  };
}
