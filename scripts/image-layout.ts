// A service's container image, without Docker: what the Dockerfile's build stage assembles in /app —
// the bundle (dist/main.js), its production dependencies installed flat (`pnpm deploy --prod`), and the
// files it reads at run time from beside it (migrations, the persisted-operations manifest, the
// playground). Used by the image-layout test (the built output runs) and by the benchmark (it measures
// the router as it ships, not as tsx runs its sources).
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { defaultPort } from "@supergraph/registry";

const root = join(import.meta.dirname, "..");

const pnpm = (args: string[]) =>
  execFileSync(process.execPath, [join(root, "scripts/pnpm.mjs"), ...args], {
    cwd: root,
    stdio: "pipe",
    encoding: "utf8",
  });

/**
 * A fresh folder for layouts, inside the workspace's node_modules: `pnpm deploy --legacy` mislays its
 * .bin links (into the workspace) when the target is outside it but shares a parent with it (a clone in
 * /tmp, a target in /tmp).
 */
export function layoutWorkDir(prefix: string): string {
  mkdirSync(join(root, "node_modules/.cache"), { recursive: true });
  return mkdtempSync(join(root, "node_modules/.cache", `${prefix}-`));
}

/**
 * The image's command, from the Dockerfile's ENTRYPOINT (exec form): `node`, its flags, `dist/main.js`.
 * Whoever runs a layout runs it with these, so the flags measured and tested are the ones that ship.
 */
export function imageEntrypoint(): string[] {
  const dockerfile = readFileSync(join(root, "deploy/docker/Dockerfile"), "utf8");
  const line = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
  if (!line) throw new Error("deploy/docker/Dockerfile has no exec-form ENTRYPOINT");
  return JSON.parse(line) as string[];
}

/** Builds `service` and assembles its image's /app in `<work>/<service>`; returns the folder to run `node dist/main.js` in. */
export function assembleImageLayout(service: string, work: string): string {
  const app = join(work, service);
  pnpm(["--filter", `@supergraph/${service}`, "run", "build"]);
  pnpm([
    "deploy",
    "--legacy",
    "--prod",
    "--config.node-linker=hoisted",
    "--filter",
    `@supergraph/${service}`,
    join(app, "service"),
  ]);
  // The health check's fallback port, as the Dockerfile writes it (scripts/default-port.ts).
  writeFileSync(join(app, "service/default-port"), `${service === "router" ? 4000 : defaultPort(service)}\n`);
  if (existsSync(join(root, "prisma", service)))
    cpSync(join(root, "prisma", service), join(app, "prisma", service), { recursive: true });
  if (service === "router") {
    mkdirSync(join(app, "sdk"), { recursive: true });
    cpSync(join(root, "sdk/persisted-operations.json"), join(app, "sdk/persisted-operations.json"));
    cpSync(join(root, "playground/dist"), join(app, "playground/dist"), { recursive: true });
  }
  rmSync(join(app, "service/src"), { recursive: true, force: true });
  return join(app, "service");
}
