#!/usr/bin/env node
// Runs the pnpm version pinned in package.json's `packageManager`, through npx.
// Why not corepack: it is not enabled by default on every Node install (and its signature check fails
// offline), while npm and npx always ship with Node. This keeps the README's promise: Node.js and npm only.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { packageManager } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

export function pnpm(args, options = {}) {
  const env = { ...process.env, npm_config_update_notifier: "false", ...options.env };
  // pnpm sets it for the scripts it runs; npm does not know it, and warned on every npx inside them.
  delete env.npm_config_verify_deps_before_run;
  const result = spawnSync("npx", ["--yes", packageManager, ...args], { stdio: "inherit", cwd: root, ...options, env });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exit(pnpm(process.argv.slice(2)));
}
