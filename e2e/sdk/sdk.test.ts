import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createClient, SupergraphError } from "@supergraph/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  capturingLogger,
  createProduct,
  gql,
  metricTotal,
  type Stack,
  signUpAdmin,
  startStack,
  uniqueEmail,
} from "../harness.ts";

const manifest = JSON.parse(readFileSync(join(import.meta.dirname, "../../sdk/persisted-operations.json"), "utf8")) as {
  operations: Array<{ id: string; name: string; body: string }>;
};
const ADHOC_SUBSCRIPTION = "subscription AdHocWatch($id: ID!) { productUpdated(id: $id) { id } }";
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

describe("the typed SDK against the real router", () => {
  it("signs up, logs in, lists products and places an order", async () => {
    const admin = await signUpAdmin(stack);
    const lamp = await createProduct(stack, admin, { name: "SDK Lamp", priceCents: 1234, stock: 3 });

    const client = createClient({ url: stack.routerUrl });
    const email = uniqueEmail("sdk");
    const signedUp = await client.signUp({ input: { email, password: "sdk-password", name: "Sid" } });
    expect(signedUp.signUp.user).toMatchObject({ email, name: "Sid", role: "CUSTOMER" });

    const { logIn } = await client.logIn({ email, password: "sdk-password" });
    const me = client.withToken(logIn.token);
    expect((await me.me()).me?.email).toBe(email);

    const page = await client.products({ first: 2, search: "SDK Lamp" });
    expect(page.products.totalCount).toBe(1);
    expect(page.products.edges[0]?.node).toMatchObject({ id: lamp.id, priceCents: 1234 });

    const { placeOrder } = await me.placeOrder({ input: { items: [{ productId: lamp.id, quantity: 2 }] } });
    expect(placeOrder).toMatchObject({
      status: "PLACED",
      totalCents: 2468,
      items: [{ quantity: 2, product: { name: "SDK Lamp" } }],
    });
    expect((await me.myOrders()).me?.orders?.map((order) => order.id)).toEqual([placeOrder.id]);
  });

  it("reads a list past its first slice: `after` the last item of the slice before", async () => {
    const admin = await signUpAdmin(stack);
    const lamp = await createProduct(stack, admin, { name: "Sliced Lamp", stock: 10 });
    const client = createClient({ url: stack.routerUrl });
    const input = { email: uniqueEmail("slices"), password: "sdk-password", name: "Sly" };
    const me = client.withToken((await client.signUp({ input })).signUp.token);
    const placed: string[] = [];
    const written: string[] = [];
    for (let n = 0; n < 3; n++) {
      placed.push((await me.placeOrder({ input: { items: [{ productId: lamp.id, quantity: 1 }] } })).placeOrder.id);
      const post = { title: `Post ${n}`, body: "…", productIds: [lamp.id], published: true };
      written.push((await me.createPost({ input: post })).createPost.id);
    }
    const ids = (list: Array<{ id: string }> | null | undefined) => list?.map((item) => item.id) ?? [];
    const lists = {
      orders: async (first?: number, after?: string) => ids((await me.myOrders({ first, after })).me?.orders),
      "my posts": async (first?: number, after?: string) => ids((await me.myPosts({ first, after })).me?.posts),
      "the product's posts": async (first?: number, after?: string) =>
        ids((await client.product({ id: lamp.id, postsFirst: first, postsAfter: after })).product?.posts),
    };
    for (const [name, read] of Object.entries(lists)) {
      const all = await read();
      expect(all.toSorted(), name).toEqual((name === "orders" ? placed : written).toSorted());
      const first = await read(2);
      expect([...first, ...(await read(2, first.at(-1)))], name).toEqual(all);
    }
    const unknown = (await me.myOrders({ after: lamp.id }).catch((error: unknown) => error)) as SupergraphError;
    expect(unknown.has("BAD_USER_INPUT")).toBe(true);
  });

  it("throws a typed error carrying each extensions.code", async () => {
    const client = createClient({ url: stack.routerUrl });
    const failure = await client
      .logIn({ email: "nobody@example.com", password: "wrong-password" })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SupergraphError);
    expect((failure as SupergraphError).code).toBe("UNAUTHENTICATED");
    expect((failure as SupergraphError).status).toBe(401);

    const outOfRange = (await client.products({ first: 0 }).catch((error: unknown) => error)) as SupergraphError;
    expect(outOfRange.has("BAD_USER_INPUT")).toBe(true);
  });

  it("sends the plain document when persisted operations are off in the client", async () => {
    const client = createClient({ url: stack.routerUrl, persisted: false });
    expect((await client.products({ first: 1 })).products.edges).toHaveLength(1);
  });
});

describe("persisted operations (trusted documents)", () => {
  it("their query plans are made before the router listens: a first request finds its plan", async () => {
    const plans = (url: string, result: "hit" | "miss") =>
      metricTotal(url, `query_plan_cache_requests_total{result="${result}"`);
    const lamp = await createProduct(stack, await signUpAdmin(stack), { name: "Warm Lamp" });
    // With the response cache on and off: either way the operation is planned as sent.
    for (const cache of ["true", "false"]) {
      const warmed = await stack.startRouter({ RESPONSE_CACHE: cache });
      const client = createClient({ url: warmed.url });
      expect((await client.product({ id: lamp.id })).product?.name).toBe("Warm Lamp");
      await expect(client.logIn({ email: "nobody@example.com", password: "wrong-password" })).rejects.toThrow();
      expect([await plans(warmed.internalUrl, "hit"), await plans(warmed.internalUrl, "miss")]).toEqual([2, 0]);
      // An operation outside the manifest is planned while it waits.
      expect((await gql(warmed.url, `query AdHoc { products(first: 1) { totalCount } }`)).errors).toBeUndefined();
      expect([await plans(warmed.internalUrl, "hit"), await plans(warmed.internalUrl, "miss")]).toEqual([2, 1]);
      await warmed.close();
    }

    const cold = await stack.startRouter({ QUERY_PLAN_WARMUP: "false" });
    await createClient({ url: cold.url }).products({ first: 1 });
    expect([await plans(cold.internalUrl, "hit"), await plans(cold.internalUrl, "miss")]).toEqual([0, 1]);
    await cold.close();
  });

  it("only: runs the SDK's operations by hash and refuses anything else with QUERY_NOT_IN_SAFELIST", async () => {
    const safelisted = await stack.startRouter({ PERSISTED_OPERATIONS: "only" });
    // By hash alone in a GET (cacheable by a CDN), as Apollo Client's useGETForHashedQueries sends it;
    // first, so that no POST has put the document in the APQ cache.
    const hash = manifest.operations.find((operation) => operation.name === "Products")?.id as string;
    const get = new URL(safelisted.url);
    get.searchParams.set("operationName", "Products");
    get.searchParams.set("variables", JSON.stringify({ first: 1 }));
    get.searchParams.set("extensions", JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hash } }));
    const byHash = await fetch(get, { headers: { "apollo-require-preflight": "true" } });
    expect(byHash.status).toBe(200);
    const answer = (await byHash.json()) as { data?: { products: { totalCount: number } }; errors?: unknown };
    expect(answer.errors).toBeUndefined();
    expect(typeof answer.data?.products.totalCount).toBe("number");
    const client = createClient({ url: safelisted.url });
    expect((await client.products({ first: 1 })).products.totalCount).toBeGreaterThan(0);
    const plain = createClient({ url: safelisted.url, persisted: false });
    expect((await plain.products({ first: 1 })).products.totalCount).toBeGreaterThan(0);

    const adHoc = await gql(safelisted.url, `{ products(first: 1) { totalCount } }`);
    expect(adHoc.status).toBe(400);
    expect(adHoc.errors?.[0]?.extensions?.code).toBe("QUERY_NOT_IN_SAFELIST");
    // An application/json client gets it with 200, as every refusal of a well-formed request.
    const adHocJson = await gql(
      safelisted.url,
      `{ products(first: 1) { totalCount } }`,
      {},
      {
        headers: { accept: "application/json" },
      },
    );
    expect(adHocJson.status).toBe(200);
    expect(adHocJson.errors?.[0]?.extensions?.code).toBe("QUERY_NOT_IN_SAFELIST");
    const unknownHash = await fetch(safelisted.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
      body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: "0".repeat(64) } } }),
    });
    expect(unknownHash.status).toBe(400);
    // A subscription over an HTTP stream is refused the same way, before it starts.
    for (const accept of ["text/event-stream", "multipart/mixed;subscriptionSpec=1.0, application/json"]) {
      const stream = await fetch(safelisted.url, {
        method: "POST",
        headers: { "content-type": "application/json", accept },
        body: JSON.stringify({ query: ADHOC_SUBSCRIPTION, variables: { id: "00000000-0000-4000-8000-00000000dead" } }),
      });
      const refusal = (await stream.json()) as { errors: Array<{ extensions: { code: string } }> };
      expect(refusal.errors[0]?.extensions.code, accept).toBe("QUERY_NOT_IN_SAFELIST");
    }

    await safelisted.close();
  });

  it("log: runs unknown documents and logs them", async () => {
    const { lines, logger } = capturingLogger("router", "warn");
    const logging = await stack.startRouter({ PERSISTED_OPERATIONS: "log" }, logger);
    const adHoc = await gql(logging.url, `query AdHoc { products(first: 1) { totalCount } }`);
    expect(adHoc.status).toBe(200);
    expect(
      lines.some((line) => line.includes("not in the persisted-operations manifest") && line.includes("AdHoc")),
    ).toBe(true);
    await createClient({ url: logging.url }).products({ first: 1 });
    const logged = () => lines.filter((line) => line.includes("not in the persisted-operations manifest")).length;
    expect(logged()).toBe(1);
    // Served from the response cache, it is still logged every time.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const again = await gql(logging.url, `query AdHoc { products(first: 1) { totalCount } }`);
    expect(again.headers.get("x-cache")).toBe("HIT");
    expect(logged()).toBe(2);
    // A subscription over an HTTP stream runs, logged once (by the route; the subscription service does not
    // check it again). For a product that does not exist: the products subgraph refuses it, which ends it.
    const stream = await fetch(logging.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ query: ADHOC_SUBSCRIPTION, variables: { id: "00000000-0000-4000-8000-00000000dead" } }),
    });
    expect(stream.status).toBe(200);
    expect(await stream.text()).not.toContain("QUERY_NOT_IN_SAFELIST");
    expect(logged()).toBe(3);
    await logging.close();
  });
});
