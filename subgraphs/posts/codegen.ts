import { resolverCodegen } from "@supergraph/kit/codegen";

/**
 * `pnpm --filter @supergraph/posts codegen`: resolver types from schema.graphql, each GraphQL type's
 * parent being what the resolvers return for it. Checked in; src/generated.test.ts fails when stale.
 */
export default resolverCodegen({
  Post: "./prisma/client.ts#Post",
  User: "../data/models.ts#Reference",
  Product: "../data/models.ts#Reference",
});
