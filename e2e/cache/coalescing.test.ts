import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createProduct,
  gql,
  metricTotal,
  type SignedIn,
  type Stack,
  signUp,
  signUpAdmin,
  startStack,
} from "../harness.ts";
import { delayingProxy, holdingProxy } from "../proxy.ts";

// Single-flight: identical operations in flight at the same time execute once. The subgraphs sit behind
// proxies that hold each request 300 ms, so concurrent requests really overlap, and count what reaches them.
let stack: Stack;
let admin: SignedIn;
let proxies: Array<Awaited<ReturnType<typeof delayingProxy>>>;
let router: { url: string; internalUrl: string; close(): Promise<void> };
let cachedRouter: { url: string; close(): Promise<void> };
const [users, products, orders] = [0, 1, 2];

beforeAll(async () => {
  stack = await startStack();
  admin = await signUpAdmin(stack);
  proxies = await Promise.all(
    [stack.users.url, stack.products.url, stack.orders.url].map((url) => delayingProxy(url, 300)),
  );
  const env = {
    USERS_URL: proxies[users]?.url ?? "",
    PRODUCTS_URL: proxies[products]?.url ?? "",
    ORDERS_URL: proxies[orders]?.url ?? "",
  };
  router = await stack.startRouter({ ...env, RESPONSE_CACHE: "false" });
  cachedRouter = await stack.startRouter(env);
});
afterAll(async () => {
  await Promise.all(proxies?.map((proxy) => proxy.close()) ?? []);
  await stack?.close();
});

const together = <T>(count: number, run: () => Promise<T>) => Promise.all(Array.from({ length: count }, run));

describe("request coalescing", () => {
  it("executes identical concurrent queries once and gives every caller the same answer", async () => {
    const product = await createProduct(stack, admin, { name: "Coalesced" });
    const before = proxies[products]?.forwarded() ?? 0;
    const results = await together(10, () =>
      gql(router.url, `query One($id: ID!) { product(id: $id) { name stock } }`, { id: product.id }),
    );
    expect(new Set(results.map((result) => JSON.stringify(result.data))).size).toBe(1);
    expect(results[0]?.data).toEqual({ product: { name: "Coalesced", stock: 10 } });
    expect((proxies[products]?.forwarded() ?? 0) - before).toBe(1);
  });

  it("coalesces GET queries too (with or without extra headers: the same query string)", async () => {
    const product = await createProduct(stack, admin, { name: "Fetched" });
    const url = `${router.url}?${new URLSearchParams({ query: `query Get($id: ID!) { product(id: $id) { name } }`, variables: JSON.stringify({ id: product.id }) })}`;
    const get = (headers: Record<string, string>) =>
      fetch(url, { headers: { accept: "application/json", ...headers } }).then(async (response) => ({
        status: response.status,
        body: (await response.json()) as { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> },
      }));
    const before = proxies[products]?.forwarded() ?? 0;
    const coalescedBefore = await metricTotal(router.internalUrl, "coalesced_requests_total");
    const results = (
      await Promise.all([together(4, () => get({ "apollo-require-preflight": "true" })), together(2, () => get({}))])
    ).flat();
    for (const result of results)
      expect(result).toEqual({ status: 200, body: { data: { product: { name: "Fetched" } } } });
    // One execution: five waited for it (the subgraph fetch alone would be deduplicated anyway).
    expect(await metricTotal(router.internalUrl, "coalesced_requests_total")).toBe(coalescedBefore + 5);
    expect((proxies[products]?.forwarded() ?? 0) - before).toBe(1);
  });

  it("never shares a response across users, even for the same query at the same time", async () => {
    const people = await Promise.all([signUp(stack, "Ann"), signUp(stack, "Ben"), signUp(stack, "Cat")]);
    const query = `{ me { id name email } }`;
    const results = await Promise.all(
      people.flatMap((person) =>
        [0, 1, 2].map(() =>
          gql<{ me: { id: string; email: string } }>(router.url, query, {}, { token: person.token }).then((result) => ({
            person,
            result,
          })),
        ),
      ),
    );
    for (const { person, result } of results)
      expect(result.data?.me).toMatchObject({ id: person.id, email: person.email });
    const anonymous = await together(3, () => gql(router.url, query));
    for (const result of anonymous) expect(result.data).toEqual({ me: null });
  });

  it("never coalesces mutations: identical concurrent orders are separate orders", async () => {
    const buyer = await signUp(stack);
    const product = await createProduct(stack, admin, { stock: 10 });
    const results = await together(3, () =>
      gql<{ placeOrder: { id: string } }>(
        router.url,
        `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }`,
        { input: { items: [{ productId: product.id, quantity: 1 }] } },
        { token: buyer.token },
      ),
    );
    expect(new Set(results.map((result) => result.data?.placeOrder.id)).size).toBe(3);
    expect((await stack.products.db.product.findUniqueOrThrow({ where: { id: product.id } })).stock).toBe(7);
  });

  it("keeps a shared subgraph fetch's privacy for every operation that waited on it: no private field stored as public", async () => {
    // Two operations of one customer, different by their variables (so not coalesced), whose users fetch
    // (`me { email }`, private) is the same and sent once; the products fetch differs. Whichever waited
    // on the other's users fetch must still be stored privately, or another customer is served its email.
    const victim = await signUp(stack);
    const other = await signUp(stack);
    const query = `query Page($first: Int) { me { email } products(first: $first) { totalCount } }`;
    const before = proxies[users]?.forwarded() ?? 0;
    await Promise.all([5, 10].map((first) => gql(cachedRouter.url, query, { first }, { token: victim.token })));
    expect((proxies[users]?.forwarded() ?? 0) - before, "the users fetch was shared").toBe(1);
    for (const first of [5, 10]) {
      const read = await gql<{ me: { email: string } }>(cachedRouter.url, query, { first }, { token: other.token });
      expect(read.data?.me.email, `first: ${first}`).toBe(other.email);
    }
  });

  it("stores nothing a shared fetch read before a purge that came before the waiting operation started", async () => {
    const proxy = await holdingProxy(stack.products.url);
    const held = await stack.startRouter({ PRODUCTS_URL: proxy.url });
    try {
      const product = await createProduct(stack, admin, { priceCents: 100 });
      const query = `query Price($id: ID!) { product(id: $id) { priceCents } }`;
      const read = (accept: string) =>
        gql<{ product: { priceCents: number } }>(held.url, query, { id: product.id }, { headers: { accept } });
      // The first read's fetch is answered (100) and held on its way back to the router.
      const hold = proxy.holdNext();
      const first = read("application/json");
      await hold.answered;
      // The price changes, its purge done, while that answer is on its way.
      await gql(
        held.url,
        `mutation($id: ID!) { updateProduct(id: $id, input: { priceCents: 200 }) { id } }`,
        { id: product.id },
        { token: admin.token },
      );
      // A read that starts now joins the fetch in flight (another Accept: not coalesced as a whole request).
      const joined = () => metricTotal(held.internalUrl, "subgraph_fetches_deduplicated_total");
      const before = await joined();
      const second = read("application/graphql-response+json");
      while ((await joined()) === before) await new Promise((resolve) => setTimeout(resolve, 20));
      hold.release();
      expect((await first).data?.product.priceCents).toBe(100);
      expect((await second).data?.product.priceCents).toBe(100);
      // Neither stored what was read before the purge (the second started after it).
      await new Promise((resolve) => setTimeout(resolve, 200));
      const after = await read("application/json");
      expect([after.headers.get("x-cache"), after.data?.product.priceCents]).toEqual(["MISS", 200]);
    } finally {
      await held.close();
      await proxy.close();
    }
  });

  it("sits in front of the response cache: after an invalidation, concurrent reads make one execution", async () => {
    const product = await createProduct(stack, admin, { name: "Stampede" });
    const query = `query Stampede($id: ID!) { product(id: $id) { name priceCents } }`;
    await gql(cachedRouter.url, query, { id: product.id });
    await gql(
      cachedRouter.url,
      `mutation($id: ID!) { updateProduct(id: $id, input: { priceCents: 4242 }) { id } }`,
      { id: product.id },
      { token: admin.token },
    );
    const before = proxies[products]?.forwarded() ?? 0;
    const results = await together(8, () =>
      gql<{ product: { priceCents: number } }>(cachedRouter.url, query, { id: product.id }),
    );
    for (const result of results) expect(result.data?.product.priceCents).toBe(4242);
    expect((proxies[products]?.forwarded() ?? 0) - before).toBe(1);
  });
});
