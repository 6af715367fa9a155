// Generates every subgraph's Prisma client (`prisma generate` for each `prisma/<name>/schema.prisma`).
// `prisma generate` first tries to download the native schema engine, which fails offline; it skips the
// download when PRISMA_SCHEMA_ENGINE_BINARY names an existing file. Generation itself needs no engine
// (the `prisma-client` generator and driver adapters), so any file will do: we point it at Node itself.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "../../../..");
const require = createRequire(import.meta.url);
const prismaCli = join(dirname(require.resolve("prisma/package.json")), "build/index.js");

for (const name of readdirSync(join(root, "prisma"))) {
  const schema = join(root, "prisma", name, "schema.prisma");
  const result = spawnSync(process.execPath, [prismaCli, "generate", "--schema", schema], {
    stdio: ["ignore", "inherit", "inherit"],
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
      PRISMA_HIDE_UPDATE_MESSAGE: "1",
      CHECKPOINT_DISABLE: "1",
    },
  });
  if (result.status !== 0) {
    console.error(`prisma generate failed for prisma/${name}/schema.prisma`);
    process.exit(result.status ?? 1);
  }
}
