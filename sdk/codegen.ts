import type { CodegenConfig } from "@graphql-codegen/cli";

/**
 * `pnpm --filter @supergraph/sdk codegen`: types and typed documents for operations/*.graphql, against the
 * router's public API schema (nothing @inaccessible), the list of operations the client turns into
 * methods, and the persisted-operations manifest. Generated files are checked in; a test fails when they
 * are stale.
 */
const config: CodegenConfig = {
  schema: "../router/api-schema.graphql",
  documents: ["operations/*.graphql"],
  emitLegacyCommonJSImports: false,
  generates: {
    "src/generated/graphql.ts": {
      plugins: ["typescript-operations", "typed-document-node"],
      config: {
        documentMode: "string",
        // `…Document` names are the parsed documents (src/generated/documents.ts), for Apollo Client and urql.
        documentVariableSuffix: "DocumentString",
        enumsAsTypes: true,
        useTypeImports: true,
        skipTypename: true,
        avoidOptionals: { field: true, inputValue: false, object: true, defaultValue: false },
        scalars: { ID: "string" },
        strictScalars: true,
      },
    },
    "src/generated/operations.ts": {
      plugins: ["./codegen/operations-plugin.cjs"],
    },
  },
  hooks: { afterAllFileWrite: ["tsx codegen/manifest.ts"] },
};
export default config;
