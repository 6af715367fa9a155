// Issue #25: urql through the real router, with its default exchanges (queries as GET, with no extra
// header) and with its normalized cache, Graphcache.
import { Client, cacheExchange, fetchExchange } from "@urql/core";
import { cacheExchange as graphcache } from "@urql/exchange-graphcache";
import { relayPagination } from "@urql/exchange-graphcache/extras";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createProduct, type SignedIn, type Stack, signUp, signUpAdmin, startStack, uniqueEmail } from "../harness.ts";
import { PAGE, type Page, PRODUCT, type ProductData, recordingFetch, SET_PRICE } from "./documents.ts";

let stack: Stack;
let admin: SignedIn;
beforeAll(async () => {
  stack = await startStack();
  admin = await signUpAdmin(stack);
});
afterAll(async () => {
  await stack?.close();
});

const authorized = (token?: string) => (): RequestInit => ({
  headers: token ? { authorization: `Bearer ${token}` } : {},
});

describe("urql with its default exchanges", () => {
  it("sends queries as GET and mutations as POST, the token in fetchOptions", async () => {
    const product = await createProduct(stack, admin, { name: "Urql Lamp", priceCents: 300 });
    const fetched = recordingFetch();
    const client = new Client({
      url: stack.routerUrl,
      exchanges: [cacheExchange, fetchExchange],
      fetch: fetched.fetch,
      fetchOptions: authorized(admin.token),
    });
    const read = await client.query<ProductData>(PRODUCT, { id: product.id }).toPromise();
    expect(read.error).toBeUndefined();
    expect(read.data?.product).toMatchObject({ name: "Urql Lamp", priceCents: 300 });
    const me = await client.query<{ me: { id: string } }>(`{ me { id } }`, {}).toPromise();
    expect(me.data?.me.id).toBe(admin.id);
    const changed = await client.mutation(SET_PRICE, { id: product.id, priceCents: 350 }).toPromise();
    expect(changed.error).toBeUndefined();
    const reread = await client
      .query<ProductData>(PRODUCT, { id: product.id }, { requestPolicy: "network-only" })
      .toPromise();
    expect(reread.data?.product.priceCents).toBe(350);
    expect(fetched.calls.map((call) => [call.method, call.status])).toEqual([
      ["GET", 200],
      ["GET", 200],
      ["POST", 200],
      ["GET", 200],
    ]);
  });

  it("reads an error's code from result.error.graphQLErrors", async () => {
    const [product, customer] = await Promise.all([createProduct(stack, admin), signUp(stack, "Urql Customer")]);
    const client = new Client({
      url: stack.routerUrl,
      exchanges: [cacheExchange, fetchExchange],
      fetchOptions: authorized(customer.token),
    });
    const refused = await client.mutation(SET_PRICE, { id: product.id, priceCents: 1 }).toPromise();
    expect(refused.error?.graphQLErrors[0]?.extensions.code).toBe("FORBIDDEN");
    const denied = await client
      .query(`query($id: ID!) { user(id: $id) { orders { id } } }`, { id: admin.id })
      .toPromise();
    expect(denied.error?.graphQLErrors[0]?.extensions.code).toBe("FORBIDDEN");
  });
});

describe("urql with Graphcache", () => {
  // Every type without an id is embedded in its parent (keys → null), which Graphcache otherwise warns about.
  const keyless = () => null;
  const normalized = (token?: string) =>
    new Client({
      url: stack.routerUrl,
      fetchOptions: authorized(token),
      exchanges: [
        graphcache({
          keys: {
            ProductConnection: keyless,
            ProductEdge: keyless,
            PostConnection: keyless,
            PostEdge: keyless,
            PageInfo: keyless,
            OrderItem: keyless,
            AuthPayload: keyless,
          },
          resolvers: { Query: { products: relayPagination() } },
        }),
        fetchExchange,
      ],
    });

  it("pages, signs up and places an order with no warning about keys", async () => {
    const warn = vi.spyOn(console, "warn");
    try {
      const search = `Urql Page ${Date.now()}`;
      for (const name of ["A", "B", "C"]) await createProduct(stack, admin, { name: `${search} ${name}` });
      const client = normalized();
      const first = await client.query<Page>(PAGE, { first: 2, search }).toPromise();
      expect(first.data?.products.edges.map((edge) => edge.node.name)).toEqual([`${search} A`, `${search} B`]);
      const next = await client
        .query<Page>(PAGE, { first: 2, search, after: first.data?.products.pageInfo.endCursor })
        .toPromise();
      // relayPagination merges the pages into the result of the page it extends.
      expect(next.data?.products.edges.map((edge) => edge.node.name)).toEqual([
        `${search} A`,
        `${search} B`,
        `${search} C`,
      ]);

      const signedUp = await client
        .mutation<{ signUp: { token: string; user: { id: string } } }>(
          `mutation($input: SignUpInput!) { signUp(input: $input) { token user { id name } } }`,
          {
            input: { email: uniqueEmail("urql"), password: "correct horse", name: "Urql Buyer" },
          },
        )
        .toPromise();
      expect(signedUp.error).toBeUndefined();
      const buyer = normalized(signedUp.data?.signUp.token);
      const productId = first.data?.products.edges[0]?.node.id;
      const order = await buyer
        .mutation<{ placeOrder: { items: Array<{ quantity: number }> } }>(
          `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id status items { quantity unitPriceCents product { id name } } } }`,
          { input: { items: [{ productId, quantity: 2 }] } },
        )
        .toPromise();
      expect(order.error).toBeUndefined();
      expect(order.data?.placeOrder.items).toEqual([expect.objectContaining({ quantity: 2 })]);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });
});
