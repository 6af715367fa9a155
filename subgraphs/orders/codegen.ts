import type { CodegenConfig } from "@graphql-codegen/cli";

/**
 * `pnpm --filter @supergraph/orders codegen`: resolver types from schema.graphql, each GraphQL type's
 * parent being what the resolvers return for it (mappers). Checked in; src/generated.test.ts fails when
 * they are stale.
 */
const config: CodegenConfig = {
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
        mappers: {
          Order: "./prisma/client.ts#Order",
          OrderItem: "./prisma/client.ts#OrderItem",
          User: "../data/models.ts#Reference",
          Product: "../data/models.ts#Reference",
        },
      },
    },
  },
};
export default config;
