// `pnpm --filter @supergraph/sdk build`: the package as published, ESM in dist/ and CommonJS in dist/cjs/
// (each with its declarations, so that TypeScript reads each as the format Node loads), from two tsc runs.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const sdk = join(import.meta.dirname, "..");
const tsc = createRequire(join(sdk, "package.json")).resolve("typescript/bin/tsc");
rmSync(join(sdk, "dist"), { recursive: true, force: true });
for (const project of ["tsconfig.build.json", "tsconfig.build.cjs.json"]) {
  execFileSync(process.execPath, [tsc, "-p", project], { cwd: sdk, stdio: "inherit" });
}
// The package is `"type": "module"`; this marks dist/cjs's .js and .d.ts files as CommonJS.
mkdirSync(join(sdk, "dist/cjs"), { recursive: true });
writeFileSync(join(sdk, "dist/cjs/package.json"), `${JSON.stringify({ type: "commonjs" })}\n`);
