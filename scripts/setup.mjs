#!/usr/bin/env node
// First step of every root command (`npm run dev`, `npm test`, ...): makes the checkout runnable with only
// Node.js and npm on the machine. It installs the workspace with the pinned pnpm, generates each
// subgraph's Prisma client and builds the playground. A stamp of the inputs makes it a no-op when nothing
// changed.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pnpm } from "./pnpm.mjs";

const root = join(import.meta.dirname, "..");
const stampFile = join(root, "node_modules", ".setup-stamp");

function inputsHash() {
  const files = ["package.json", "pnpm-lock.yaml", "pnpm-workspace.yaml"];
  for (const dir of ["packages", "subgraphs"]) {
    for (const name of readdirSync(join(root, dir))) files.push(join(dir, name, "package.json"));
  }
  files.push(
    "router/package.json",
    "e2e/package.json",
    "sdk/package.json",
    "playground/package.json",
    "deploy/package.json",
    "bench/package.json",
  );
  files.push(
    "playground/index.html",
    "playground/vite.config.ts",
    ...readdirSync(join(root, "playground/src")).map((name) => join("playground/src", name)),
  );
  for (const name of readdirSync(join(root, "prisma"))) files.push(join("prisma", name, "schema.prisma"));
  const hash = createHash("sha256");
  for (const file of files) {
    const path = join(root, file);
    hash.update(file).update(existsSync(path) ? readFileSync(path) : "");
  }
  return hash.digest("hex");
}

const wanted = inputsHash();
if (existsSync(stampFile) && readFileSync(stampFile, "utf8") === wanted) process.exit(0);

console.log("setup: installing dependencies with pnpm (first run, or dependencies changed)…");
const frozen = process.env.CI ? ["--frozen-lockfile"] : [];
if (pnpm(["install", ...frozen, "--reporter=append-only"]) !== 0) {
  console.error("setup: `pnpm install` failed; see the output above.");
  process.exit(1);
}
console.log("setup: generating Prisma clients…");
if (pnpm(["--filter", "@supergraph/db", "exec", "tsx", "src/cli/generate.ts"]) !== 0) {
  console.error("setup: Prisma client generation failed; see the output above.");
  process.exit(1);
}
console.log("setup: building the playground (GraphiQL)…");
if (pnpm(["--filter", "@supergraph/playground", "build", "--logLevel", "warn"]) !== 0) {
  console.error("setup: building the playground failed; see the output above.");
  process.exit(1);
}
writeFileSync(stampFile, inputsHash());
