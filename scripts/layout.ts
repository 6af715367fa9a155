// `npm run layout -- <service> <dir>`: one service as its container image holds it, in a folder of your
// choosing, for a VM or a bare machine without Docker. The bundle (dist/main.js) alone does not run from
// the workspace: its npm packages are installed the way pnpm installs a workspace, each package seeing
// only its own dependencies, and the bundle imports those of the workspace packages it inlined. The
// image's layout has them all, installed flat (scripts/image-layout.ts, as the Dockerfile does).
import { cpSync, existsSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { assembleImageLayout, imageEntrypoint, layoutWorkDir } from "./image-layout.ts";
import { SUBGRAPH_NAMES } from "./services.ts";

const SERVICES = ["router", ...SUBGRAPH_NAMES];
const [service, target] = process.argv.slice(2);
if (!service || !SERVICES.includes(service) || !target) {
  console.error(`usage: npm run layout -- <${SERVICES.join("|")}> <dir>`);
  process.exit(64);
}
// Relative to where npm was run from (it runs scripts from the workspace root, and says where in INIT_CWD;
// pnpm would set INIT_CWD to the root, so the script runs under plain node).
const dir = resolve(process.env.INIT_CWD ?? process.cwd(), target);
// Not over an earlier layout: files it no longer has would stay and be loaded.
if (existsSync(dir) && readdirSync(dir).length > 0) {
  console.error(`${dir} exists and is not empty: give a new or empty folder.`);
  process.exit(1);
}
// Assembled inside the workspace first (see layoutWorkDir), then copied with its links as they are.
const work = layoutWorkDir(`layout-${service}`);
try {
  assembleImageLayout(service, work);
  cpSync(join(work, service), dir, { recursive: true, verbatimSymlinks: true });
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(
  `${service}: ${dir}\nrun it as its image does:  cd ${join(dir, "service")} && ${imageEntrypoint().join(" ")}`,
);
