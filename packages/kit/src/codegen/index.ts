/**
 * The kit's codegen face, for build time only (no service imports it): every subgraph's resolver types are
 * generated one way, from its `schema.graphql` into `src/generated/resolvers.ts`, and checked in.
 */
import { join } from "node:path";
import { type CodegenConfig, generate } from "@graphql-codegen/cli";

/**
 * A subgraph's `codegen.ts` config: resolver types from schema.graphql, each GraphQL type's parent being
 * what the resolvers return for it (`mappers`: type name → "path from src/generated/#Export").
 */
export function resolverCodegen(mappers: Record<string, string>): CodegenConfig {
  return {
    schema: "schema.graphql",
    emitLegacyCommonJSImports: false,
    generates: {
      "src/generated/resolvers.ts": {
        plugins: ["typescript", "typescript-resolvers"],
        config: {
          federation: true,
          mapperTypeSuffix: "Model",
          useTypeImports: true,
          enumsAsTypes: true,
          scalars: { ID: "string" },
          contextType: "../context.ts#Context",
          mappers,
        },
      },
    },
  };
}

/** What `config` generates now in `packageDir`, file by file, next to what is checked in there. */
export async function generatedFiles(
  packageDir: string,
  config: CodegenConfig,
): Promise<{ filename: string; path: string; content: string }[]> {
  const previous = process.cwd();
  // Codegen resolves the config's paths from the working directory.
  process.chdir(packageDir);
  try {
    const files = await generate({ ...config, silent: true }, false);
    return files.map((file: { filename: string; content: string }) => ({
      filename: file.filename,
      path: join(packageDir, file.filename),
      content: file.content,
    }));
  } finally {
    process.chdir(previous);
  }
}
