import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startEmbeddedPostgres } from "./embedded.ts";
import { noFilters, openSchemaEngine } from "./schema-engine.ts";

// Each subgraph's Prisma files live in `prisma/<name>/`: `schema.prisma` and `migrations/`, in Prisma's own
// layout (`<timestamp>_<name>/migration.sql` + `migration_lock.toml`).
//
// The WebAssembly engine cannot read a live database's catalog through the driver adapter, so new
// migrations are diffed schema to schema: from the schema as of the last migration, kept in
// `migrations/schema.snapshot.prisma`, to the current `schema.prisma`. Prisma's CLI ignores that file.
const LOCKFILE = 'provider = "postgresql"\n';
export const SNAPSHOT_FILE = "schema.snapshot.prisma";

export interface PrismaProject {
  /** `prisma/<name>` */
  dir: string;
  schemaPath: string;
  migrationsDir: string;
}

export function prismaProject(dir: string): PrismaProject {
  return { dir, schemaPath: join(dir, "schema.prisma"), migrationsDir: join(dir, "migrations") };
}

function migrationDirectories(project: PrismaProject) {
  if (!existsSync(project.migrationsDir)) return [];
  return readdirSync(project.migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => ({
      path: name,
      migrationFile: {
        path: "migration.sql",
        content: {
          tag: "ok" as const,
          value: readFileSync(join(project.migrationsDir, name, "migration.sql"), "utf8"),
        },
      },
    }));
}

/** Applies every migration not yet applied; returns the names applied now (none on a rerun). */
export async function applyMigrations(project: PrismaProject, connectionString: string): Promise<string[]> {
  const { engine, close } = await openSchemaEngine(project.schemaPath, connectionString);
  try {
    const { appliedMigrationNames } = await engine.applyMigrations({
      migrationsList: {
        baseDir: project.migrationsDir,
        lockfile: { path: "migration_lock.toml", content: LOCKFILE },
        shadowDbInitScript: "",
        migrationDirectories: migrationDirectories(project),
      },
      filters: noFilters,
    });
    return appliedMigrationNames;
  } finally {
    await close();
  }
}

/** SQL that takes the schema as of the last migration to the current `schema.prisma` ("" when in sync). */
export async function pendingSchemaChanges(project: PrismaProject): Promise<string> {
  const snapshotPath = join(project.migrationsDir, SNAPSHOT_FILE);
  // The engine insists on a database connection even to diff two schemas; an in-memory PGlite serves.
  const scratch = await startEmbeddedPostgres(null);
  const { engine, close } = await openSchemaEngine(project.schemaPath, scratch.connectionString);
  try {
    const current = { path: project.schemaPath, content: readFileSync(project.schemaPath, "utf8") };
    const from = existsSync(snapshotPath)
      ? {
          tag: "schemaDatamodel" as const,
          files: [{ path: snapshotPath, content: readFileSync(snapshotPath, "utf8") }],
        }
      : { tag: "empty" as const };
    const result = await engine.diff({
      from,
      to: { tag: "schemaDatamodel", files: [current] },
      script: true,
      exitCode: null,
      filters: noFilters,
    });
    const sql = (result.stdout ?? "").trim();
    return sql === "-- This is an empty migration." ? "" : sql;
  } finally {
    await close();
    await scratch.close();
  }
}

/** Writes a new migration for whatever changed in `schema.prisma`; returns its directory, or null if none. */
export async function createMigration(project: PrismaProject, name: string, now = new Date()): Promise<string | null> {
  const sql = await pendingSchemaChanges(project);
  if (!sql) return null;
  const stamp = now.toISOString().replace(/\D/g, "").slice(0, 14);
  const slug =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "_")
      .replace(/^_|_$/g, "") || "migration";
  const dir = join(project.migrationsDir, `${stamp}_${slug}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "migration.sql"), `${sql}\n`);
  writeFileSync(
    join(project.migrationsDir, "migration_lock.toml"),
    `# Do not edit: Prisma keeps this file.\n${LOCKFILE}`,
  );
  writeFileSync(join(project.migrationsDir, SNAPSHOT_FILE), readFileSync(project.schemaPath));
  return dir;
}
