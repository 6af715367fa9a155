import { rmSync } from "node:fs";
import { assembleImageLayout, layoutWorkDir } from "../../scripts/image-layout.ts";

let work: string | undefined;
let dir: string | undefined;

/**
 * The folder to run our router in as it ships: its bundle, production dependencies and files, laid out
 * as in its container image (scripts/image-layout.ts), assembled once per benchmark process and removed
 * at exit (or by removeRouterImage). Run from its sources under tsx instead, the router kept every
 * module's source text and source map in its heap (about 20 MB more to mark in each full GC), and its
 * p99 at a set rate was worse in an interleaved A/B (bench/results/2026-11-21T13-15-00-ab-runs.md).
 */
export function routerImage(): string {
  if (!dir) {
    work = layoutWorkDir("bench-router");
    process.on("exit", removeRouterImage);
    dir = assembleImageLayout("router", work);
  }
  return dir;
}

/** Removes the layout (also done at exit; a test runner's worker may be stopped without one). */
export function removeRouterImage(): void {
  if (work) rmSync(work, { recursive: true, force: true });
  work = dir = undefined;
}
