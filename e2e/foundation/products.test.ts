import { INTERNAL_TOKEN_HEADER, signInternalToken } from "@supergraph/kit/runtime";
import { loadConfig } from "@supergraph/router";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SignedIn, type Stack, signUp, signUpAdmin, sqlStatementCount, startStack, testEnv } from "../harness.ts";

let stack: Stack;
let admin: SignedIn;
let customer: SignedIn;
beforeAll(async () => {
  stack = await startStack();
  [admin, customer] = await Promise.all([signUpAdmin(stack), signUp(stack)]);
});
afterAll(() => stack?.close());

let skuCounter = 0;
const sku = (prefix = "T") => `${prefix}-${process.pid}-${skuCounter++}`;

const CREATE = `mutation Create($input: CreateProductInput!) { createProduct(input: $input) { id sku name description priceCents stock createdAt } }`;
const UPDATE = `mutation Update($id: ID!, $input: UpdateProductInput!) { updateProduct(id: $id, input: $input) { id name priceCents stock } }`;
const DELETE = `mutation Delete($id: ID!) { deleteProduct(id: $id) { id } }`;
const PRODUCT = `query Product($id: ID!) { product(id: $id) { id name priceCents stock } }`;

type Created = { createProduct: { id: string; sku: string; name: string } };
async function createProduct(input: Record<string, unknown> = {}) {
  const result = await stack.gql<Created>(
    CREATE,
    { input: { sku: sku(), name: "Widget", priceCents: 1000, stock: 5, ...input } },
    { token: admin.token },
  );
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return result.data.createProduct;
}

describe("admin-only product mutations", () => {
  it("lets an admin create, update and delete a product", async () => {
    const created = await createProduct({ name: "Desk Lamp", description: "Bright", priceCents: 4599, stock: 7 });
    expect(created).toMatchObject({ name: "Desk Lamp", description: "Bright", priceCents: 4599, stock: 7 });

    const updated = await stack.gql(UPDATE, { id: created.id, input: { priceCents: 3999 } }, { token: admin.token });
    expect(updated.data).toEqual({ updateProduct: { id: created.id, name: "Desk Lamp", priceCents: 3999, stock: 7 } });
    const read = await stack.gql(PRODUCT, { id: created.id });
    expect(read.data).toEqual({ product: { id: created.id, name: "Desk Lamp", priceCents: 3999, stock: 7 } });

    const deleted = await stack.gql(DELETE, { id: created.id }, { token: admin.token });
    expect(deleted.data).toEqual({ deleteProduct: { id: created.id } });
    expect((await stack.gql(PRODUCT, { id: created.id })).data).toEqual({ product: null });
  });

  it("refuses a customer with FORBIDDEN (403) and an anonymous caller with UNAUTHENTICATED (401)", async () => {
    const input = { sku: sku(), name: "Nope", priceCents: 1, stock: 1 };
    const asCustomer = await stack.gql(CREATE, { input }, { token: customer.token });
    expect(asCustomer.status).toBe(403);
    expect(asCustomer.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const asAnonymous = await stack.gql(CREATE, { input });
    expect(asAnonymous.status).toBe(401);
    expect(asAnonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");

    const existing = await createProduct();
    const update = await stack.gql(UPDATE, { id: existing.id, input: { stock: 0 } }, { token: customer.token });
    expect(update.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const remove = await stack.gql(DELETE, { id: existing.id }, { token: customer.token });
    expect(remove.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect((await stack.gql(PRODUCT, { id: existing.id })).data).toMatchObject({ product: { stock: 5 } });
  });

  it.each([
    ["a negative price", { priceCents: -1 }, "input.priceCents"],
    ["a negative stock", { stock: -5 }, "input.stock"],
    ["an empty name", { name: "   " }, "input.name"],
    ["an over-long name", { name: "n".repeat(201) }, "input.name"],
    ["an over-long description", { description: "d".repeat(5001) }, "input.description"],
    ["a malformed SKU", { sku: "no spaces allowed" }, "input.sku"],
  ])("refuses %s with BAD_USER_INPUT (400) and creates nothing", async (_label, override, field) => {
    const before = await stack.products.db.product.count();
    const result = await stack.gql(
      CREATE,
      { input: { sku: sku(), name: "Valid", priceCents: 1, stock: 1, ...override } },
      { token: admin.token },
    );
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
    expect(await stack.products.db.product.count()).toBe(before);
  });

  it("refuses a duplicate SKU with BAD_USER_INPUT", async () => {
    const existing = await createProduct();
    const result = await stack.gql(
      CREATE,
      { input: { sku: existing.sku, name: "Twin", priceCents: 1, stock: 1 } },
      { token: admin.token },
    );
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.sku" });
  });

  it("refuses an invalid update and leaves the product as it was", async () => {
    const existing = await createProduct({ priceCents: 500 });
    const result = await stack.gql(UPDATE, { id: existing.id, input: { priceCents: -10 } }, { token: admin.token });
    expect(result.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect((await stack.gql(PRODUCT, { id: existing.id })).data).toMatchObject({ product: { priceCents: 500 } });
  });

  it("answers NOT_FOUND (404) for updating or deleting an unknown product, and null for reading one", async () => {
    for (const id of ["00000000-0000-4000-8000-00000000beef", "not-a-uuid"]) {
      const update = await stack.gql(UPDATE, { id, input: { stock: 1 } }, { token: admin.token });
      expect(update.status).toBe(404);
      expect(update.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
      const remove = await stack.gql(DELETE, { id }, { token: admin.token });
      expect(remove.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
      expect((await stack.gql(PRODUCT, { id })).data).toEqual({ product: null });
    }
  });
});

describe("product pagination", () => {
  const PAGE = `query Page($first: Int, $after: String, $search: String) {
    products(first: $first, after: $after, search: $search) {
      totalCount
      edges { cursor node { name } }
      pageInfo { hasNextPage endCursor }
    }
  }`;
  type Page = {
    products: {
      totalCount: number;
      edges: Array<{ cursor: string; node: { name: string } }>;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  };

  it("walks every matching product exactly once, in creation order, with Relay cursors", async () => {
    const tag = `Paged${process.pid}x${Date.now()}`;
    for (let index = 0; index < 25; index++) await createProduct({ name: `${tag} ${String(index).padStart(2, "0")}` });
    const seen: string[] = [];
    let after: string | null = null;
    const pageSizes: number[] = [];
    for (;;) {
      const page: Awaited<ReturnType<typeof stack.gql<Page>>> = await stack.gql<Page>(PAGE, {
        first: 10,
        after,
        search: tag,
      });
      const products = page.data?.products;
      if (!products) throw new Error(JSON.stringify(page.errors));
      expect(products.totalCount).toBe(25);
      pageSizes.push(products.edges.length);
      seen.push(...products.edges.map((edge) => edge.node.name));
      expect(products.pageInfo.endCursor).toBe(products.edges.at(-1)?.cursor ?? null);
      if (!products.pageInfo.hasNextPage) break;
      after = products.pageInfo.endCursor;
    }
    expect(pageSizes).toEqual([10, 10, 5]);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, index) => `${tag} ${String(index).padStart(2, "0")}`));
  });

  it("searches names case-insensitively", async () => {
    const tag = `Needle${process.pid}x${Date.now()}`;
    await createProduct({ name: `${tag} one` });
    await createProduct({ name: `${tag.toUpperCase()} two` });
    const result = await stack.gql<Page>(PAGE, { search: tag.toLowerCase() });
    expect(result.data?.products.totalCount).toBe(2);
  });

  // Regression (#26): the search went to ILIKE as is, so `%` and `_` were wildcards matching anything.
  it.each(["%", "_", "\\"])("matches %s literally, not as a wildcard", async (character) => {
    const tag = `Lit${process.pid}x${Date.now()}`;
    await createProduct({ name: `${tag}${character}a` });
    await createProduct({ name: `${tag}Za` });
    const tagged = await stack.gql<Page>(PAGE, { search: `${tag}${character}` });
    expect(tagged.data?.products.edges.map((edge) => edge.node.name)).toEqual([`${tag}${character}a`]);
    const alone = await stack.gql<Page>(PAGE, { search: character, first: 100 });
    expect(alone.data?.products.totalCount).toBeGreaterThanOrEqual(1);
    // SKUs cannot hold these characters, so every match is by name.
    for (const { node } of alone.data?.products.edges ?? []) expect(node.name).toContain(character);
  });

  it.each([
    ["first: 0", { first: 0 }, "first"],
    ["first: 101", { first: 101 }, "first"],
    ["a cursor it did not issue", { after: "bogus" }, "after"],
  ])("refuses %s with BAD_USER_INPUT", async (_label, variables, field) => {
    const result = await stack.gql(PAGE, variables);
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
  });
});

describe("batching", () => {
  it("resolves many users in one request with a single SQL statement (DataLoader)", async () => {
    const people = await Promise.all(Array.from({ length: 8 }, () => signUp(stack)));
    const query = `{ ${people.map((person, index) => `u${index}: user(id: "${person.id}") { id name }`).join(" ")} }`;
    const before = await sqlStatementCount(stack.users.url);
    const result = await stack.gql<Record<string, { id: string }>>(query);
    const after = await sqlStatementCount(stack.users.url);
    expect(Object.values(result.data ?? {}).map((user) => user.id)).toEqual(people.map((person) => person.id));
    expect(after - before).toBe(1);
  });

  it("resolves a batch of entity references (`_entities`) with one SQL statement, whatever its size", async () => {
    const created = await Promise.all(Array.from({ length: 12 }, () => createProduct()));
    const token = signInternalToken({ caller: "router", viewer: null }, loadConfig(testEnv()).internalTokenSecret);
    for (const size of [3, 12]) {
      const representations = created.slice(0, size).map((product) => ({ __typename: "Product", id: product.id }));
      const before = await sqlStatementCount(stack.products.url);
      const response = await fetch(stack.products.url, {
        method: "POST",
        headers: { "content-type": "application/json", [INTERNAL_TOKEN_HEADER]: token },
        body: JSON.stringify({
          query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id name } } }`,
          variables: { r: representations },
        }),
      });
      const body = (await response.json()) as { data: { _entities: Array<{ id: string }> } };
      expect(body.data._entities.map((entity) => entity.id)).toEqual(representations.map((r) => r.id));
      expect((await sqlStatementCount(stack.products.url)) - before).toBe(1);
    }
  });
});

describe("health", () => {
  it("answers live and ready on the router and every subgraph", async () => {
    for (const url of [stack.routerUrl, stack.users.url, stack.products.url]) {
      for (const path of ["/health/live", "/health/ready"]) {
        const response = await fetch(new URL(path, url));
        expect(response.status, `${path} of ${url}`).toBe(200);
      }
    }
  });
});
