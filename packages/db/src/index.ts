export { createPrismaClient } from "./client.ts";
export { type Database, type DatabaseOptions, openDatabase, subgraphDatabase } from "./database.ts";
export { type EmbeddedPostgres, startEmbeddedPostgres } from "./embedded.ts";
export {
  applyMigrations,
  createMigration,
  type PrismaProject,
  pendingSchemaChanges,
  prismaProject,
} from "./migrations.ts";
export { observeQueries, type QueryEvent, statementKind } from "./observe.ts";
export { findPrismaProject } from "./project.ts";
