import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

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
  if (dataDir) mkdirSync(dataDir, { recursive: true });
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
    },
  };
}
