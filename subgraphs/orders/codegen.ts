import { resolverCodegen } from "@supergraph/kit/codegen";

/**
 * `pnpm --filter @supergraph/orders codegen`: resolver types from schema.graphql, each GraphQL type's
 * parent being what the resolvers return for it. Checked in; src/generated.test.ts fails when stale.
 */
export default resolverCodegen({
  Order: "./prisma/client.ts#Order",
  OrderItem: "./prisma/client.ts#OrderItem",
  User: "../data/models.ts#Reference",
  Product: "../data/models.ts#Reference",
});
