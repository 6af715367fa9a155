// `prepack` / `postpack`: `npm pack` and `pnpm pack` both ship a package that installs outside this
// workspace. prepack builds dist/ and swaps package.json for its published form (`catalog:` ranges
// resolved from pnpm-workspace.yaml, publishConfig applied, no devDependencies or scripts), which npm packs
// as it finds it (pnpm packs the manifest it read before, rewritten its own way). postpack puts the
// workspace's package.json back.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const sdk = join(import.meta.dirname, "..");
const manifestPath = join(sdk, "package.json");
const saved = join(sdk, "package.json.workspace");

/** The workspace catalog (`catalog:` in pnpm-workspace.yaml): package name → version range. */
function catalog() {
  const ranges = new Map();
  let inCatalog = false;
  for (const line of readFileSync(join(sdk, "../pnpm-workspace.yaml"), "utf8").split("\n")) {
    if (/^\S/.test(line)) inCatalog = line.startsWith("catalog:");
    const entry = inCatalog && /^\s+"?([^"\s:#][^"\s]*?)"?:\s*(\S+)/.exec(line);
    if (entry) ranges.set(entry[1], entry[2]);
  }
  return ranges;
}

export function publishedManifest(manifest) {
  const ranges = catalog();
  const resolve = (dependencies = {}) =>
    Object.fromEntries(
      Object.entries(dependencies).map(([name, range]) => {
        if (range === "catalog:" && ranges.has(name)) return [name, ranges.get(name)];
        if (/^(catalog|workspace):/.test(range)) throw new Error(`${name}: ${range} has no published version`);
        return [name, range];
      }),
    );
  const { devDependencies, scripts, publishConfig, ...rest } = manifest;
  return {
    ...rest,
    ...publishConfig,
    dependencies: resolve(manifest.dependencies),
    ...(manifest.peerDependencies ? { peerDependencies: resolve(manifest.peerDependencies) } : {}),
  };
}

const step = process.argv[2];
if (step === "prepack") {
  execFileSync(process.execPath, [join(sdk, "scripts/build.mjs")], { stdio: "inherit" });
  const text = readFileSync(manifestPath, "utf8");
  if (!existsSync(saved)) writeFileSync(saved, text);
  writeFileSync(manifestPath, `${JSON.stringify(publishedManifest(JSON.parse(text)), null, 2)}\n`);
} else if (step === "postpack") {
  if (existsSync(saved)) renameSync(saved, manifestPath);
}
