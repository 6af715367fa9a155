// Compiled by `tsc --noEmit` (the typecheck task), never run: each @ts-expect-error below must be an
// error, or the typecheck fails. It pins that the SDK's methods are typed from the schema.
import { createClient } from "./client.ts";

const client = createClient({ url: "http://localhost:4000/graphql" });

// @ts-expect-error `first` is an Int in the schema, not a string.
void client.products({ first: "2" });

// @ts-expect-error `product` needs its `id` variable.
void client.product();

// @ts-expect-error there is no such operation.
void client.dropDatabase();

async function typedResults() {
  const { products } = await client.products({ first: 2 });
  const price: number | undefined = products.edges[0]?.node.priceCents;
  // @ts-expect-error priceCents is a number.
  const wrong: string | undefined = products.edges[0]?.node.priceCents;
  return { price, wrong };
}
void typedResults;
