import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { startEmbeddedPostgres } from "./embedded.ts";

// Tests run on a real PostgreSQL when one answers (CI has one at 127.0.0.1:5432), otherwise on an
// in-memory embedded Postgres. Each call creates a database of its own and drops it afterwards, so no
// test depends on another's data or on what an earlier run left behind.
// TEST_POSTGRES_URL points at another server; TEST_POSTGRES_URL=embedded forces the embedded path.
const adminUrl = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

let reachable: Promise<boolean> | undefined;
export function realPostgresAvailable(): Promise<boolean> {
  reachable ??= (async () => {
    if (adminUrl === "embedded") return false;
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 1500 });
    try {
      await client.connect();
      await client.query("SELECT 1");
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return reachable;
}

export interface TestDatabase {
  connectionString: string;
  kind: "postgres" | "embedded";
  drop(): Promise<void>;
}

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(label: string): Promise<TestDatabase> {
  if (!(await realPostgresAvailable())) {
    const embedded = await startEmbeddedPostgres(null);
    return { connectionString: embedded.connectionString, kind: "embedded", drop: () => embedded.close() };
  }
  const name = `test_${label.replace(/\W/g, "_")}_${randomBytes(5).toString("hex")}`;
  await admin((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    connectionString: url.toString(),
    kind: "postgres",
    drop: () => admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => {}),
  };
}

/**
 * The settings that give one subgraph a fresh database of its own in a test: `<NAME>_DATABASE_URL` on
 * real Postgres, or a temporary DATA_DIR, so the subgraph starts its embedded Postgres exactly as
 * `npm run dev` does (same pool size, same start-up).
 */
export async function testDatabaseSettings(
  subgraph: string,
): Promise<{ env: Record<string, string>; kind: TestDatabase["kind"]; drop(): Promise<void> }> {
  if (await realPostgresAvailable()) {
    const database = await createTestDatabase(subgraph);
    return {
      env: { [`${subgraph.toUpperCase()}_DATABASE_URL`]: database.connectionString },
      kind: "postgres",
      drop: database.drop,
    };
  }
  const dataDir = await mkdtemp(join(tmpdir(), `supergraph-${subgraph}-`));
  return { env: { DATA_DIR: dataDir }, kind: "embedded", drop: () => rm(dataDir, { recursive: true, force: true }) };
}
