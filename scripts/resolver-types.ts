// A subgraph's resolver types (its `codegen` script), for the scaffold and for `npm run dev` after a schema edit.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * The subgraph's `codegen` script: src/generated/resolvers.ts from its schema.graphql, with the
 * @graphql-codegen/cli its own package.json declares (so only after its dependencies are installed).
 */
export function generateResolverTypes(root: string, name: string): void {
  const dir = join(root, "subgraphs", name);
  const require = createRequire(join(dir, "package.json"));
  const codegenCli = join(dirname(require.resolve("@graphql-codegen/cli/package.json")), "esm/bin.js");
  const result = spawnSync(process.execPath, [codegenCli, "--config", "codegen.ts", "--silent"], {
    cwd: dir,
    encoding: "utf8",
  });
  if (result.status !== 0)
    throw new Error(`graphql-codegen failed for subgraphs/${name}:\n${result.stdout}${result.stderr}`);
}
