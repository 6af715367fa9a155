import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

// The SDK as an app outside this workspace gets it: packed by npm and by pnpm, installed from the
// tarball, compiled by TypeScript as ESM (nodenext), CommonJS (node16) and for a bundler, and loaded by
// require() and import(). The workspace's typescript and graphql are reused by path, to stay fast
// (skipLibCheck too: the @ts-expect-error below fails the compile if the SDK's types did not resolve).
const run = promisify(execFile);
const sdk = join(import.meta.dirname, "..");
const root = join(sdk, "..");
const requireHere = createRequire(join(sdk, "package.json"));
const tsc = requireHere.resolve("typescript/bin/tsc");
const graphqlDir = realpathSync(dirname(requireHere.resolve("graphql/package.json")));
const temp = mkdtempSync(join(tmpdir(), "sdk-pack-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const USE = `
const client = createClient({ url: "http://localhost:4000/graphql" });
export const products: Promise<ProductsQuery> = client.products({ first: 2 });
// @ts-expect-error \`first\` is an Int.
void client.products({ first: "2" });
export const document: TypedDocumentNode<ProductsQuery, ProductsQueryVariables> = ProductsDocument;
export const failed = (error: unknown) => error instanceof SupergraphError && error.code === "NOT_FOUND";
`;
const IMPORTS = `import { createClient, ProductsDocument, type ProductsQuery, type ProductsQueryVariables, SupergraphError } from "@supergraph/sdk";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";`;

const CONSUMERS: Record<string, string> = {
  "esm.mts": `${IMPORTS}\n${USE}`,
  "cjs.cts": `${IMPORTS}\n${USE}\nimport manifest = require("@supergraph/sdk/persisted-operations.json");\nexport const format: string = manifest.format;\n`,
  "bundler.ts": `${IMPORTS}\nimport manifest from "@supergraph/sdk/persisted-operations.json";\n${USE}\nexport const format: string = manifest.format;\n`,
};
const tsconfig = (module: string, moduleResolution: string, files: string[]) => ({
  compilerOptions: {
    module,
    moduleResolution,
    target: "ES2022",
    lib: ["ES2022", "DOM"],
    types: [],
    strict: true,
    noEmit: true,
    resolveJsonModule: true,
    esModuleInterop: true,
    skipLibCheck: true,
  },
  files,
});

async function pack(packer: "npm" | "pnpm", destination: string): Promise<string> {
  mkdirSync(destination, { recursive: true });
  if (packer === "npm") await run("npm", ["pack", "--pack-destination", destination], { cwd: sdk });
  else
    await run(
      process.execPath,
      [join(root, "scripts/pnpm.mjs"), "--dir", "sdk", "pack", "--pack-destination", destination],
      { cwd: root },
    );
  const [tarball] = readdirSync(destination).filter((name) => name.endsWith(".tgz"));
  return join(destination, tarball as string);
}

describe("the packed SDK", () => {
  for (const packer of ["npm", "pnpm"] as const) {
    it(`from ${packer} pack: installs, typechecks as ESM, CommonJS and for bundlers, and loads with require() and import()`, async () => {
      const tarball = await pack(packer, join(temp, packer));
      const manifestText = (await run("tar", ["-xzOf", tarball, "package/package.json"])).stdout;
      expect(manifestText).not.toMatch(/"(catalog|workspace):/);
      expect(JSON.parse(manifestText)).toMatchObject({ main: "./dist/cjs/index.js", types: "./dist/index.d.ts" });

      const app = join(temp, packer, "app");
      mkdirSync(app);
      writeFileSync(
        join(app, "package.json"),
        JSON.stringify({
          name: "app",
          private: true,
          dependencies: { "@supergraph/sdk": `file:${tarball}`, graphql: `file:${graphqlDir}` },
        }),
      );
      await run(
        "npm",
        ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", "--no-package-lock"],
        { cwd: app },
      );

      for (const [name, text] of Object.entries(CONSUMERS)) writeFileSync(join(app, name), text);
      const projects = {
        "tsconfig.nodenext.json": tsconfig("NodeNext", "NodeNext", ["esm.mts", "cjs.cts"]),
        "tsconfig.node16.json": tsconfig("Node16", "Node16", ["cjs.cts", "esm.mts"]),
        "tsconfig.bundler.json": tsconfig("ESNext", "Bundler", ["bundler.ts"]),
      };
      for (const [file, config] of Object.entries(projects)) writeFileSync(join(app, file), JSON.stringify(config));
      const compiled = await Promise.all(
        Object.keys(projects).map((file) =>
          run(process.execPath, [tsc, "-p", file], { cwd: app }).catch((error: { stdout: string }) => error),
        ),
      );
      expect(compiled.map((result) => result.stdout)).toEqual(["", "", ""]);

      const check = `if (typeof sdk.createClient !== "function" || sdk.ProductsDocument.kind !== "Document" || !(new sdk.SupergraphError([], 500) instanceof Error)) throw new Error("bad exports");`;
      await run(
        process.execPath,
        [
          "-e",
          `const sdk = require("@supergraph/sdk"); ${check} if (require("@supergraph/sdk/persisted-operations.json").format !== "apollo-persisted-query-manifest") throw new Error("no manifest");`,
        ],
        { cwd: app },
      );
      await run(
        process.execPath,
        ["--input-type=module", "-e", `const sdk = await import("@supergraph/sdk"); ${check}`],
        { cwd: app },
      );
    }, 90_000);
  }
});
