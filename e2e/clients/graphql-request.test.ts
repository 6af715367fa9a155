// Issue #25: graphql-request 7 through the real router.
import { ClientError, GraphQLClient } from "graphql-request";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProduct, type SignedIn, type Stack, signUp, signUpAdmin, startStack } from "../harness.ts";
import { PRODUCT, type ProductData, SET_PRICE } from "./documents.ts";

let stack: Stack;
let admin: SignedIn;
beforeAll(async () => {
  stack = await startStack();
  admin = await signUpAdmin(stack);
});
afterAll(async () => {
  await stack?.close();
});

describe("graphql-request", () => {
  it("runs a query, and a mutation with variables under a Bearer token", async () => {
    const product = await createProduct(stack, admin, { name: "Request Lamp", priceCents: 500 });
    const client = new GraphQLClient(stack.routerUrl, { headers: { authorization: `Bearer ${admin.token}` } });
    expect((await client.request<ProductData>(PRODUCT, { id: product.id })).product).toMatchObject({
      name: "Request Lamp",
      priceCents: 500,
    });
    expect(await client.request(SET_PRICE, { id: product.id, priceCents: 550 })).toEqual({
      updateProduct: { id: product.id },
    });
    expect((await client.request<ProductData>(PRODUCT, { id: product.id })).product.priceCents).toBe(550);
  });

  it("sends batchRequests as one batch, answered in order", async () => {
    const products = await Promise.all(
      ["One", "Two"].map((name) => createProduct(stack, admin, { name: `Request Batch ${name}` })),
    );
    const client = new GraphQLClient(stack.routerUrl);
    const results = await client.batchRequests<[{ data: ProductData }, { data: ProductData }]>(
      products.map((product) => ({ document: PRODUCT, variables: { id: product.id } })),
    );
    expect(results.map((result) => result.data.product.name)).toEqual(["Request Batch One", "Request Batch Two"]);
  });

  it("reads an error's code from ClientError.response.errors", async () => {
    const [product, customer] = await Promise.all([createProduct(stack, admin), signUp(stack, "Request Customer")]);
    const client = new GraphQLClient(stack.routerUrl, { headers: { authorization: `Bearer ${customer.token}` } });
    const failure = await client.request(SET_PRICE, { id: product.id, priceCents: 1 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ClientError);
    expect((failure as ClientError).response.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });
});
