// `npm run db:migrate` applies every subgraph's pending migrations to its database (the configured
// <NAME>_DATABASE_URL, or the embedded one under DATA_DIR) and `npm run db:seed` loads the demo data too.
// Each runs through the subgraph's own entry point, so it reads exactly the settings the service reads.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { SUBGRAPH_NAMES, subgraphEntry } from "./services.ts";

const command = process.argv[2] === "seed" ? "seed" : "migrate";
const root = join(import.meta.dirname, "..");
let failed = false;
for (const name of SUBGRAPH_NAMES) {
  const result = spawnSync(process.execPath, ["--import", "tsx", subgraphEntry(name), command], {
    cwd: root,
    stdio: "inherit",
  });
  if (result.status === 0) console.log(`✔ ${name}: ${command} done`);
  else {
    console.error(`✖ ${name}: ${command} failed (exit code ${result.status})`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
