// Issue #25: batched requests (Apollo's BatchHttpLink), each operation taking the path it would take alone.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createProduct,
  graphqlRequestCount,
  metricTotal,
  type SignedIn,
  type Stack,
  signUp,
  signUpAdmin,
  startStack,
  untilHit,
} from "../harness.ts";

const PRODUCT = `query Product($id: ID!) { product(id: $id) { id name priceCents } }`;

let stack: Stack;
let admin: SignedIn;
beforeAll(async () => {
  stack = await startStack();
  admin = await signUpAdmin(stack);
});
afterAll(async () => {
  await stack?.close();
});

type Result = {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
};

const sdkManifest = JSON.parse(
  readFileSync(join(import.meta.dirname, "../../sdk/persisted-operations.json"), "utf8"),
) as { operations: Array<{ id: string; name: string }> };

async function batch(url: string, operations: unknown[], options: { token?: string; accept?: string } = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: options.accept ?? "application/graphql-response+json, application/json;q=0.9",
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: JSON.stringify(operations),
  });
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    body: (await response.json()) as Result[] & Result,
  };
}

const subgraphRequests = async () =>
  (
    await Promise.all(
      [stack.users, stack.products, stack.orders, stack.posts].map((subgraph) => graphqlRequestCount(subgraph.url)),
    )
  ).reduce((sum, count) => sum + count, 0);

describe("batched requests", () => {
  it("answers a batch of 3 queries in order, as a JSON array", async () => {
    const [lamp, chair, reader] = await Promise.all([
      createProduct(stack, admin, { name: "Batch Lamp" }),
      createProduct(stack, admin, { name: "Batch Chair" }),
      signUp(stack, "Bea Batch"),
    ]);
    const { status, contentType, body } = await batch(
      stack.routerUrl,
      [
        { query: PRODUCT, variables: { id: chair.id } },
        { query: `{ me { id } }` },
        { query: PRODUCT, variables: { id: lamp.id }, operationName: "Product" },
      ],
      { token: reader.token },
    );
    expect(status).toBe(200);
    expect(contentType).toBe("application/graphql-response+json; charset=utf-8");
    expect(body).toEqual([
      { data: { product: { id: chair.id, name: "Batch Chair", priceCents: 1000 } } },
      { data: { me: { id: reader.id } } },
      { data: { product: { id: lamp.id, name: "Batch Lamp", priceCents: 1000 } } },
    ]);
  });

  it("keeps each operation's errors in its own result", async () => {
    const { status, body } = await batch(
      stack.routerUrl,
      [{ query: `{ nope }` }, { query: `{ products(first: 1) { totalCount } }` }],
      { accept: "application/json" },
    );
    expect(status).toBe(200);
    expect(body[0]?.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(body[1]?.data).toMatchObject({ products: { totalCount: expect.any(Number) } });
  });

  it("answers an operation found in the response cache from it, and stores a miss", async () => {
    const [cached, fresh] = await Promise.all([
      createProduct(stack, admin, { name: "Cached In Batch" }),
      createProduct(stack, admin, { name: "Fresh In Batch" }),
    ]);
    expect(await untilHit(async () => (await stack.gql(PRODUCT, { id: cached.id })).headers.get("x-cache"))).toBe(
      "HIT",
    );

    const before = await subgraphRequests();
    const first = await batch(stack.routerUrl, [
      { query: PRODUCT, variables: { id: cached.id } },
      { query: PRODUCT, variables: { id: fresh.id } },
    ]);
    expect(first.body.map((result) => result.data)).toEqual([
      { product: { id: cached.id, name: "Cached In Batch", priceCents: 1000 } },
      { product: { id: fresh.id, name: "Fresh In Batch", priceCents: 1000 } },
    ]);
    // The miss alone reached the products subgraph.
    expect(await subgraphRequests()).toBe(before + 1);
    // The miss was stored: the same operation sent alone is a hit.
    expect(await untilHit(async () => (await stack.gql(PRODUCT, { id: fresh.id })).headers.get("x-cache"))).toBe("HIT");
  });

  it("purges the cache on a mutation in a batch: the next read sees the change", async () => {
    const product = await createProduct(stack, admin, { name: "Repriced In Batch" });
    expect(await untilHit(async () => (await stack.gql(PRODUCT, { id: product.id })).headers.get("x-cache"))).toBe(
      "HIT",
    );
    const { body } = await batch(
      stack.routerUrl,
      [
        {
          query: `mutation($id: ID!) { updateProduct(id: $id, input: { priceCents: 777 }) { id priceCents } }`,
          variables: { id: product.id },
        },
      ],
      { token: admin.token },
    );
    expect(body[0]?.data).toEqual({ updateProduct: { id: product.id, priceCents: 777 } });
    const next = await batch(stack.routerUrl, [{ query: PRODUCT, variables: { id: product.id } }]);
    expect(next.body[0]?.data).toEqual({ product: { id: product.id, name: "Repriced In Batch", priceCents: 777 } });
  });

  it("executes identical operations of a batch each, never coalesced (each is costed: the cost limit sums the batch)", async () => {
    const router = await stack.startRouter();
    try {
      const product = await createProduct(stack, admin, { name: "Twice In Batch" });
      const { body } = await batch(router.url, [
        { query: PRODUCT, variables: { id: product.id } },
        { query: PRODUCT, variables: { id: product.id } },
      ]);
      expect(body).toEqual([
        { data: { product: { id: product.id, name: "Twice In Batch", priceCents: 1000 } } },
        { data: { product: { id: product.id, name: "Twice In Batch", priceCents: 1000 } } },
      ]);
      expect(await metricTotal(router.internalUrl, "coalesced_requests_total")).toBe(0);

      // Copies of an operation that fits the limit alone: one runs, the others are refused.
      const costly = { query: `{ products(first: 100) { edges { node { id posts { author { name } } } } } }` };
      const copies = await batch(router.url, Array(3).fill(costly), { accept: "application/json" });
      const codes = copies.body.map((result) => result.errors?.[0]?.extensions?.code ?? "ok");
      expect(codes.sort()).toEqual(["COST_LIMIT_EXCEEDED", "COST_LIMIT_EXCEEDED", "ok"]);
    } finally {
      await router.close();
    }
  });

  it("checks each operation in its own result: its query limits, and the safelist", async () => {
    const limited = await stack.startRouter({ LIMIT_DEPTH: "3" });
    const safelisted = await stack.startRouter({ PERSISTED_OPERATIONS: "only" });
    try {
      const deep = await batch(
        limited.url,
        [
          { query: `{ products(first: 1) { totalCount } }` },
          { query: `{ me { posts { products { posts { id } } } } }` },
        ],
        { accept: "application/json" },
      );
      expect(deep.status).toBe(200);
      expect(deep.body[0]?.data).toMatchObject({ products: { totalCount: expect.any(Number) } });
      expect(deep.body[1]?.errors?.[0]?.extensions?.code).toBe("DEPTH_LIMIT_EXCEEDED");

      // One operation of the SDK's manifest, by its id, and one in no manifest: each gets its own result, as
      // BatchHttpLink needs (one refusal for the whole batch left it without an array to hand out).
      const products = sdkManifest.operations.find((operation) => operation.name === "Products")?.id;
      for (const accept of ["application/json", "application/graphql-response+json"]) {
        const mixed = await batch(
          safelisted.url,
          [
            {
              operationName: "Products",
              variables: { first: 1 },
              extensions: { persistedQuery: { version: 1, sha256Hash: products } },
            },
            { query: `query Unknown { products(first: 1) { totalCount } }` },
          ],
          { accept },
        );
        expect(mixed.status, accept).toBe(200);
        expect(mixed.body[0]?.errors, accept).toBeUndefined();
        expect(mixed.body[0]?.data, accept).toMatchObject({ products: { totalCount: expect.any(Number) } });
        expect(mixed.body[1]?.errors?.[0]?.extensions?.code, accept).toBe("QUERY_NOT_IN_SAFELIST");
      }
    } finally {
      await Promise.all([limited.close(), safelisted.close()]);
    }
  });

  it("counts a cache hit in a batch as executing it would: the batch is answered as with the cache off", async () => {
    // 1 + 100 × (1 + 20 × 2) = 4,101 each: two do not fit the limit of 5,000 together.
    const hot = { query: `{ hot: products(first: 100) { edges { node { id posts { author { name } } } } } }` };
    const other = { query: `{ other: products(first: 100) { edges { node { id posts { author { name } } } } } }` };
    const uncached = await stack.startRouter({ RESPONSE_CACHE: "false" });
    try {
      const read = async () =>
        (
          await fetch(stack.routerUrl, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(hot),
          })
        ).headers.get("x-cache");
      expect(await untilHit(read)).toBe("HIT");
      const withCache = await batch(stack.routerUrl, [hot, other], { accept: "application/json" });
      const withoutCache = await batch(uncached.url, [hot, other], { accept: "application/json" });
      const outcome = (answer: typeof withCache) =>
        answer.body.map((result) => result.errors?.[0] ?? (result.data ? "ok" : "none"));
      expect(outcome(withCache)).toEqual(outcome(withoutCache));
      expect(outcome(withCache)[1]).toMatchObject({ extensions: { code: "COST_LIMIT_EXCEEDED" } });
    } finally {
      await uncached.close();
    }
  });

  it("applies the cost limit to a batch as a whole: operations that fit alone but not together are refused", async () => {
    // 100 products with their posts' authors: 1 + 100 × (1 + 20 × 2) = 4,101, under the limit of 5,000 alone.
    // Each under an alias of its own: distinct operations, neither cached nor coalesced with another.
    const costly = (alias: string) => ({
      query: `{ ${alias}: products(first: 100) { edges { node { id posts { author { name } } } } } }`,
    });
    const cheap = { query: `{ products(first: 1) { totalCount } }` };
    const router = await stack.startRouter();
    try {
      const alone = await batch(router.url, [costly("alone")]);
      expect(alone.body[0]?.errors).toBeUndefined();
      const twice = await batch(router.url, [costly("a"), costly("b"), cheap], { accept: "application/json" });
      expect(twice.status).toBe(200);
      const codes = twice.body.map((result) => result.errors?.[0]?.extensions?.code ?? "ok");
      expect(codes.slice(0, 2).sort()).toEqual(["COST_LIMIT_EXCEEDED", "ok"]);
      expect(codes[2]).toBe("ok");
      const refused = twice.body.find((result) => result.errors)?.errors?.[0]?.message;
      expect(refused).toContain("exceeded by this batch");
    } finally {
      await router.close();
    }
  });

  it("refuses a batch over MAX_BATCH_SIZE, and an empty one, with 400 BAD_REQUEST in the negotiated media type", async () => {
    const router = await stack.startRouter({ MAX_BATCH_SIZE: "2" });
    try {
      const operation = { query: `{ products(first: 1) { totalCount } }` };
      for (const accept of ["application/json", "application/graphql-response+json"]) {
        const tooMany = await batch(router.url, [operation, operation, operation], { accept });
        expect(tooMany.status).toBe(400);
        expect(tooMany.contentType).toBe(`${accept}; charset=utf-8`);
        expect(tooMany.body.errors?.[0]?.extensions?.code).toBe("BAD_REQUEST");
        expect(tooMany.body.errors?.[0]?.message).toMatch(/at most 2 operations/);
      }
      const empty = await batch(router.url, []);
      expect(empty.status).toBe(400);
      expect(empty.body.errors?.[0]?.extensions?.code).toBe("BAD_REQUEST");
      expect((await batch(router.url, [operation, operation])).body).toHaveLength(2);
    } finally {
      await router.close();
    }
  });

  it("refuses every batch with MAX_BATCH_SIZE=0, and still answers single operations", async () => {
    const router = await stack.startRouter({ MAX_BATCH_SIZE: "0" });
    try {
      const refused = await batch(router.url, [{ query: `{ products(first: 1) { totalCount } }` }]);
      expect(refused.status).toBe(400);
      expect(refused.body.errors?.[0]).toMatchObject({
        message: expect.stringMatching(/batching is disabled/),
        extensions: { code: "BAD_REQUEST" },
      });
      const single = await fetch(router.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: `{ products(first: 1) { totalCount } }` }),
      });
      expect(single.status).toBe(200);
    } finally {
      await router.close();
    }
  });

  it("spends a rate-limit point per operation, as if each were sent alone", async () => {
    const router = await stack.startRouter({ RATE_LIMIT_PER_MINUTE: "3" });
    try {
      const reader = await signUp(stack, "Rate Batch");
      const operation = { query: `{ me { id } }` };
      const { status, body } = await batch(router.url, [operation, operation, operation, operation, operation], {
        token: reader.token,
      });
      expect(status).toBe(200);
      expect(body.map((result) => result.data?.me ?? result.errors?.[0]?.extensions?.code)).toEqual([
        { id: reader.id },
        { id: reader.id },
        { id: reader.id },
        "RATE_LIMITED",
        "RATE_LIMITED",
      ]);
    } finally {
      await router.close();
    }
  });
});
