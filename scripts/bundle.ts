// `build` of a service (router or subgraph): one ESM file, dist/main.js, from src/main.ts. Workspace
// packages (@supergraph/*) are TypeScript sources and are bundled in; everything from npm stays external
// and is loaded from node_modules at run time. Run from the service's folder (turbo does).
//
// Every external must be a production dependency of the service or of a workspace package it bundles:
// that is what `pnpm deploy --prod` installs for the service's image (flat, with node-linker=hoisted, so
// dist/main.js resolves them all). The build checks it, instead of leaving it to a crash in production.
//
// A flat layout holds one version of each package at its top. @apollo/gateway pins the OpenTelemetry
// SDK to 1.x while our tracing (packages/kit) uses 2.x, so the OpenTelemetry packages our code imports are
// bundled in (resolved from the importing package, at the versions it declares) — all but the API, which
// must stay one shared instance. deploy/docker/image-layout.test.ts runs every service from such a layout.
const INLINE = /^@opentelemetry\/(?!api$)/;

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";
import { build } from "esbuild";

type PackageJson = { name: string; dependencies?: Record<string, string> };
const serviceDir = process.cwd();
const root = join(import.meta.dirname, "..");
const readPackage = (dir: string) => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as PackageJson;
const workspaceDirs = new Map(
  ["packages", "subgraphs"].flatMap((group) =>
    readdirSync(join(root, group))
      .filter((name) => existsSync(join(root, group, name, "package.json")))
      .map((name) => [readPackage(join(root, group, name)).name, join(root, group, name)] as const),
  ),
);
const pkg = readPackage(serviceDir);
const installed = new Set<string>();
const visit = (manifest: PackageJson) => {
  for (const name of Object.keys(manifest.dependencies ?? {})) {
    const workspaceDir = workspaceDirs.get(name);
    if (workspaceDir) visit(readPackage(workspaceDir));
    else installed.add(name);
  }
};
visit(pkg);
const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
const packageName = (specifier: string) =>
  specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/");

const externals = new Set<string>();
const transitive = new Set<string>();
const result = await build({
  entryPoints: [join(serviceDir, "src/main.ts")],
  outfile: join(serviceDir, "dist/main.js"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  metafile: true,
  logLevel: "warning",
  // Bundled CommonJS code may call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  plugins: [
    {
      name: "externalise-npm-packages",
      setup(context) {
        context.onResolve({ filter: /^[^./]/ }, (args) => {
          if (builtins.has(args.path) || args.path.startsWith("node:")) return { external: true };
          const name = packageName(args.path);
          if (name.startsWith("@supergraph/") || INLINE.test(name)) return undefined;
          // Imported by a bundled-in npm package: installed with it, as that package's own dependency.
          if (/\/node_modules\/@opentelemetry\//.test(args.importer)) transitive.add(name);
          else externals.add(name);
          return { path: args.path, external: true };
        });
      },
    },
  ],
});
if (result.errors.length > 0) process.exit(1);

const missing = [...externals].filter((name) => !installed.has(name));
if (missing.length > 0) {
  console.error(`${pkg.name}: the bundle imports packages no package.json declares: ${missing.join(", ")}.`);
  process.exit(1);
}
console.log(`${pkg.name}: dist/main.js (${externals.size + transitive.size} npm packages external)`);
