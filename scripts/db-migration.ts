// `npm run db:migration -- <subgraph> <name>`: after editing prisma/<subgraph>/schema.prisma, writes the
// migration that takes the database there (prisma/<subgraph>/migrations/<timestamp>_<name>/migration.sql)
// and regenerates the Prisma clients. Review the SQL, then commit both.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createMigration, prismaProject } from "../packages/db/src/index.ts";

const [subgraph, name] = process.argv.slice(2);
const root = join(import.meta.dirname, "..");
if (!subgraph || !name || !existsSync(join(root, "prisma", subgraph, "schema.prisma"))) {
  console.error("usage: npm run db:migration -- <subgraph> <migration name>   (e.g. products add_tags)");
  process.exit(64);
}
const dir = await createMigration(prismaProject(join(root, "prisma", subgraph)), name);
if (!dir) {
  console.log(`prisma/${subgraph}/schema.prisma has no changes since the last migration.`);
  process.exit(0);
}
console.log(`wrote ${join(dir, "migration.sql").slice(root.length + 1)}`);
const generated = spawnSync(process.execPath, ["--import", "tsx", "packages/db/src/cli/generate.ts"], {
  cwd: root,
  stdio: "inherit",
});
process.exit(generated.status ?? 1);
