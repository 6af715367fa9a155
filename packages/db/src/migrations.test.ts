import { readdirSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { applyMigrations, pendingSchemaChanges, prismaProject } from "./migrations.ts";
import { createTestDatabase } from "./testing.ts";

const prismaDir = join(import.meta.dirname, "../../../prisma");
const projects = readdirSync(prismaDir).map((name) => [name, prismaProject(join(prismaDir, name))] as const);

describe.each(projects)("prisma/%s", (_name, project) => {
  it("has a migration for every change in schema.prisma (run `npm run db:migration` if this fails)", async () => {
    expect(await pendingSchemaChanges(project)).toBe("");
  });

  it("applies its migrations to an empty database once, in Prisma's own bookkeeping", async () => {
    const database = await createTestDatabase("migrations");
    try {
      const migrationNames = readdirSync(project.migrationsDir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort();
      expect(await applyMigrations(project, database.connectionString)).toEqual(migrationNames);
      expect(await applyMigrations(project, database.connectionString)).toEqual([]);
      const client = new pg.Client(database.connectionString);
      await client.connect();
      try {
        const { rows } = await client.query(
          `SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name`,
        );
        expect(rows.map((row) => row.migration_name)).toEqual(migrationNames);
      } finally {
        await client.end();
      }
    } finally {
      await database.drop();
    }
  });
});
