import { resolverCodegen } from "@supergraph/kit/codegen";

/**
 * `pnpm --filter @supergraph/users codegen`: resolver types from schema.graphql, each GraphQL type's
 * parent being what the resolvers return for it. Checked in; src/generated.test.ts fails when stale.
 */
export default resolverCodegen({
  User: "./prisma/client.ts#User",
});
