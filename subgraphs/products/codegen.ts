import { resolverCodegen } from "@supergraph/kit/codegen";

/**
 * `pnpm --filter @supergraph/products codegen`: resolver types from schema.graphql, each GraphQL type's
 * parent being what the resolvers return for it. Checked in; src/generated.test.ts fails when stale.
 */
export default resolverCodegen({
  Product: "./prisma/client.ts#Product",
  StockReservation: "../data/stock.ts#Reservation",
});
