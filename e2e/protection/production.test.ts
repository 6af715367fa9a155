import { INTERNAL_TOKEN_HEADER, signInternalToken } from "@supergraph/kit/runtime";
import { loadConfig as loadProductsConfig, startProductsSubgraph } from "@supergraph/products";
import { loadConfig } from "@supergraph/router";
import { afterAll, beforeAll, expect, it } from "vitest";
import { gql, type Stack, signUp, startStack, testEnv } from "../harness.ts";

// The router in NODE_ENV=production (with the same secrets the test subgraphs use).
let stack: Stack;
let production: { url: string; close(): Promise<void> };
beforeAll(async () => {
  stack = await startStack();
  const secrets = loadConfig(testEnv());
  production = await stack.startRouter({
    NODE_ENV: "production",
    JWT_SECRET: secrets.jwt.secret,
    INTERNAL_TOKEN_SECRET: secrets.internalTokenSecret,
  });
});
afterAll(() => stack?.close());

it("turns introspection off", async () => {
  const result = await gql(production.url, `{ __schema { queryType { name } } }`);
  expect(result.status).toBe(400);
  expect(result.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
});

it("masks internal errors from subgraphs: no stack, no SQL, only INTERNAL_SERVER_ERROR", async () => {
  const buyer = await signUp(stack);
  await stack.orders.db.$executeRawUnsafe(
    `ALTER TABLE orders ADD CONSTRAINT prod_test_refuse CHECK (total_cents < 0) NOT VALID`,
  );
  try {
    const product = (
      await stack.products.db.product.create({
        data: { sku: `PROD-${Date.now()}`, name: "P", priceCents: 1, stock: 5 },
      })
    ).id;
    const result = await gql(
      production.url,
      `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }`,
      { input: { items: [{ productId: product, quantity: 1 }] } },
      { token: buyer.token },
    );
    expect(result.errors?.[0]).toMatchObject({
      message: "Internal server error",
      extensions: { code: "INTERNAL_SERVER_ERROR" },
    });
    const text = JSON.stringify(result.errors);
    expect(text).not.toMatch(/stacktrace|prod_test_refuse|constraint|at \//);
  } finally {
    await stack.orders.db.$executeRawUnsafe(`ALTER TABLE orders DROP CONSTRAINT prod_test_refuse`);
  }
});

it("passes coded user errors through unchanged", async () => {
  const result = await gql(
    production.url,
    `mutation { logIn(email: "nobody@example.com", password: "whatever1") { token } }`,
  );
  expect(result.status).toBe(401);
  expect(result.errors?.[0]).toMatchObject({
    message: "Wrong email or password.",
    extensions: { code: "UNAUTHENTICATED" },
  });
});

// Regression (#26): with introspection off, "Did you mean "email"?" still spelled the schema out.
it.each([
  ["a misspelt field", `{ me { emial } }`, {}],
  [
    "a misspelt input field in a variable",
    `mutation($input: SignUpInput!) { signUp(input: $input) { token } }`,
    { input: { emial: "a@example.com", password: "correct horse", name: "N" } },
  ],
])("suggests no schema names for %s", async (_label, query, variables) => {
  const result = await gql(production.url, query, variables);
  expect(result.status).toBe(400);
  expect(result.errors?.length).toBeGreaterThan(0);
  expect(JSON.stringify(result.errors)).not.toMatch(/Did you mean/);
});

it("suggests no schema names at a subgraph either", async () => {
  const secrets = loadConfig(testEnv());
  // Without JWT_SECRET, which only the router and users are given (whoever holds it can mint tokens).
  const subgraph = await startProductsSubgraph(
    loadProductsConfig(
      testEnv({
        NODE_ENV: "production",
        PRODUCTS_PORT: "0",
        PRODUCTS_DATABASE_URL: stack.products.connectionString,
        INTERNAL_TOKEN_SECRET: secrets.internalTokenSecret,
      }),
    ),
  );
  try {
    const token = signInternalToken({ caller: "router", viewer: null }, secrets.internalTokenSecret);
    const result = await gql(
      subgraph.url,
      `{ products { totalCont } }`,
      {},
      { headers: { [INTERNAL_TOKEN_HEADER]: token } },
    );
    expect(result.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(JSON.stringify(result.errors)).not.toMatch(/Did you mean/);
  } finally {
    await subgraph.close();
  }
});
