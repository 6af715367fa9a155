import { ApolloClient, gql, HttpLink, InMemoryCache } from "@apollo/client/core";
import {
  ApolloClient as ApolloClient4,
  HttpLink as HttpLink4,
  InMemoryCache as InMemoryCache4,
} from "@apollo/client-4";
import { GraphQLWsLink } from "@apollo/client-4/link/subscriptions";
import { createClient as createSdk, SupergraphError } from "@supergraph/sdk";
import { cacheExchange, fetchExchange, subscriptionExchange, Client as UrqlClient } from "@urql/core";
import { type Client, createClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createProduct, type SignedIn, type Stack, signUp, signUpAdmin, startStack } from "../harness.ts";

// The shop's own events through the real router and subgraphs: each completed from the other subgraphs,
// equal to what a query answers right after, private where it must be, and received by the clients
// frontends use (Apollo Client 3 and 4 over multipart HTTP and WebSocket, urql over WebSocket and HTTP).

let stack: Stack;
let admin: SignedIn;
beforeAll(async () => {
  // Revocations are checked twice a second here (30 s by default), so that a test can see one end a subscription.
  stack = await startStack({ routerEnv: { SUBSCRIPTION_REVOCATION_CHECK_MS: "500" } });
  admin = await signUpAdmin(stack);
});
const clients: Client[] = [];
afterAll(async () => {
  for (const client of clients) await client.dispose();
  await stack?.close();
});

const wsUrl = () => stack.routerUrl.replace(/^http/, "ws");
function ws(token?: string): Client {
  const client = createClient({
    url: wsUrl(),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
  });
  clients.push(client);
  return client;
}

/** Collects a subscription's results as they come. */
function collect(client: Client, query: string, variables: Record<string, unknown> = {}) {
  const results: Array<{
    data?: Record<string, unknown> | null;
    errors?: Array<{ message?: string; extensions?: Record<string, unknown> }>;
  }> = [];
  const stop = client.subscribe(
    { query, variables },
    { next: (result) => void results.push(result as never), error: () => {}, complete: () => {} },
  );
  return { results, stop };
}

/** Waits until `ready` holds, repeating `act` (a subscription is live only once its subgraph has subscribed). */
async function until(ready: () => boolean, act?: () => Promise<unknown>, attempts = 60): Promise<void> {
  for (let attempt = 0; attempt < attempts && !ready(); attempt++) {
    await act?.();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(ready()).toBe(true);
}

// With __typename, as Apollo Client and urql add it: an event and a query read compare as they are.
const PRODUCT_UPDATED = `subscription($id: ID!) { productUpdated(id: $id) { __typename id name stock } }`;
const PRODUCT = `query($id: ID!) { product(id: $id) { __typename id name stock } }`;

/**
 * Changes the product's stock until a client's subscription receives an event, then waits for its last
 * event to equal what a query reads right after the last change.
 */
async function expectLive(productId: string, received: unknown[]): Promise<void> {
  let stock = 3;
  await until(
    () => received.length > 0,
    () =>
      stack.gql(
        `mutation($id: ID!, $stock: Int!) { updateProduct(id: $id, input: { stock: $stock }) { id } }`,
        { id: productId, stock: ++stock },
        { token: admin.token },
      ),
  );
  const read = await stack.gql<{ product: unknown }>(PRODUCT, { id: productId });
  expect(read.data?.product).toMatchObject({ id: productId, stock });
  await until(() => JSON.stringify(received.at(-1)) === JSON.stringify(read.data?.product));
}

const ORDER_UPDATED = `subscription { orderUpdated { id status totalCents items { quantity product { name stock } } buyer { name } } }`;
const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }`;
const ADVANCE = `mutation($id: ID!, $status: OrderStatus!) { advanceOrder(id: $id, status: $status) { id status } }`;

describe("the shop's subscriptions", () => {
  it("productUpdated: each change, the product as a query reads it right after", async () => {
    const product = await createProduct(stack, admin, { name: "Live Lamp", priceCents: 1000, stock: 5 });
    const watch = collect(ws(), `subscription($id: ID!) { productUpdated(id: $id) { id name priceCents stock } }`, {
      id: product.id,
    });
    let price = 1000;
    await until(
      () => watch.results.length > 0,
      () =>
        stack.gql(
          `mutation($id: ID!, $price: Int!) { updateProduct(id: $id, input: { priceCents: $price }) { id } }`,
          { id: product.id, price: ++price },
          { token: admin.token },
        ),
    );
    const read = await stack.gql<{ product: unknown }>(
      `query($id: ID!) { product(id: $id) { id name priceCents stock } }`,
      { id: product.id },
    );
    await until(
      () => JSON.stringify(watch.results.at(-1)?.data?.productUpdated) === JSON.stringify(read.data?.product),
    );
    watch.stop();
  });

  it("productUpdated refuses an unknown product at the start", async () => {
    const watch = collect(ws(), `subscription { productUpdated(id: "00000000-0000-4000-a000-00000000dead") { id } }`);
    await until(() => watch.results.length > 0);
    expect(watch.results[0]?.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  it("orderUpdated: a buyer's orders only, completed from products and users; fulfilment reaches the buyer and admins", async () => {
    const [alice, bob] = await Promise.all([signUp(stack, "Alice Live"), signUp(stack, "Bob Live")]);
    const product = await createProduct(stack, admin, { name: "Live Kettle", priceCents: 2500, stock: 50 });
    const aliceWatch = collect(ws(alice.token), ORDER_UPDATED);
    const bobWatch = collect(ws(bob.token), ORDER_UPDATED);
    const adminWatch = collect(ws(admin.token), ORDER_UPDATED);
    const orders: string[] = [];
    const place = async () => {
      const placed = await stack.gql<{ placeOrder: { id: string } }>(
        PLACE,
        { input: { items: [{ productId: product.id, quantity: 1 }] } },
        { token: alice.token },
      );
      if (placed.data) orders.push(placed.data.placeOrder.id);
    };
    // Until both Alice's and the admin's subscriptions are live.
    await until(
      () =>
        aliceWatch.results.length > 0 &&
        adminWatch.results.some(
          (result) => (result.data?.orderUpdated as { buyer?: { name: string } })?.buyer?.name === "Alice Live",
        ),
      place,
    );
    const first = aliceWatch.results[0]?.data?.orderUpdated as {
      id: string;
      status: string;
      items: Array<{ product: { name: string; stock: number } }>;
      buyer: { name: string };
    };
    expect(first).toMatchObject({
      status: "PLACED",
      totalCents: 2500,
      buyer: { name: "Alice Live" },
      items: [{ quantity: 1, product: { name: "Live Kettle" } }],
    });
    expect(first.items[0]?.product.stock).toBeLessThan(50);

    const shipped = await stack.gql(ADVANCE, { id: first.id, status: "SHIPPED" }, { token: admin.token });
    expect(shipped.errors).toBeUndefined();
    await until(() =>
      aliceWatch.results.some(
        (result) => (result.data?.orderUpdated as { id: string; status: string })?.status === "SHIPPED",
      ),
    );
    await until(() =>
      adminWatch.results.some(
        (result) => (result.data?.orderUpdated as { id: string; status: string })?.status === "SHIPPED",
      ),
    );
    // Bob saw none of Alice's orders, though he was subscribed the whole time.
    expect(bobWatch.results).toEqual([]);
    for (const watch of [aliceWatch, bobWatch, adminWatch]) watch.stop();
  });

  it("orderUpdated needs a signed-in subscriber", async () => {
    const watch = collect(ws(), ORDER_UPDATED);
    await until(() => watch.results.length > 0);
    expect(watch.results[0]?.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("postPublished: a published post about the product, with its author's name from users", async () => {
    const product = await createProduct(stack, admin, { name: "Live Chair" });
    const author = await signUp(stack, "Poster Live");
    const watch = collect(
      ws(),
      `subscription($id: ID!) { postPublished(productId: $id) { title author { name } products { name } } }`,
      { id: product.id },
    );
    // A draft is not announced; published ones are.
    await stack.gql(
      `mutation($input: CreatePostInput!) { createPost(input: $input) { id } }`,
      { input: { title: "Draft", body: "…", productIds: [product.id] } },
      { token: author.token },
    );
    let n = 0;
    await until(
      () => watch.results.length > 0,
      () =>
        stack.gql(
          `mutation($input: CreatePostInput!) { createPost(input: $input) { id } }`,
          { input: { title: `Review ${++n}`, body: "Good", productIds: [product.id], published: true } },
          { token: author.token },
        ),
    );
    expect(watch.results[0]?.data?.postPublished).toEqual({
      title: expect.stringMatching(/^Review \d+$/),
      author: { name: "Poster Live" },
      products: [{ name: "Live Chair" }],
    });
    expect(
      watch.results.map((result) => (result.data?.postPublished as { title: string } | undefined)?.title),
    ).not.toContain("Draft");
    watch.stop();
  });

  /** What the Apollo Client tests use of a client, whichever its major version and link. */
  interface ApolloSubscriber {
    subscribe(options: { query: ReturnType<typeof gql>; variables: { id: string } }): {
      subscribe(observer: { next(result: { data?: unknown }): void }): { unsubscribe(): void };
    };
    stop(): void;
  }
  async function expectApolloLive(name: string, apollo: ApolloSubscriber): Promise<void> {
    const product = await createProduct(stack, admin, { name, stock: 3 });
    const received: unknown[] = [];
    const subscription = apollo.subscribe({ query: gql(PRODUCT_UPDATED), variables: { id: product.id } }).subscribe({
      next: (result) => result.data && received.push((result.data as { productUpdated: unknown }).productUpdated),
    });
    await expectLive(product.id, received);
    subscription.unsubscribe();
    apollo.stop();
  }

  it("reaches Apollo Client 3 over its default HttpLink (multipart HTTP subscriptions)", () =>
    expectApolloLive(
      "Apollo 3 Live",
      new ApolloClient({ cache: new InMemoryCache(), link: new HttpLink({ uri: stack.routerUrl }) }),
    ));

  it("reaches Apollo Client 4 over its default HttpLink (multipart HTTP subscriptions)", () =>
    expectApolloLive(
      "Apollo 4 Live",
      new ApolloClient4({ cache: new InMemoryCache4(), link: new HttpLink4({ uri: stack.routerUrl }) }),
    ));

  it("reaches Apollo Client 4 over WebSocket (GraphQLWsLink with graphql-ws)", () =>
    expectApolloLive(
      "Apollo 4 WS Live",
      new ApolloClient4({ cache: new InMemoryCache4(), link: new GraphQLWsLink(ws()) }),
    ));

  it("reaches urql over WebSocket (subscriptionExchange with graphql-ws)", async () => {
    const product = await createProduct(stack, admin, { name: "Urql Live", stock: 3 });
    const socket = ws();
    const urql = new UrqlClient({
      url: stack.routerUrl,
      exchanges: [
        cacheExchange,
        fetchExchange,
        subscriptionExchange({
          forwardSubscription: (request) => ({
            subscribe: (sink) => ({ unsubscribe: socket.subscribe({ ...request, query: request.query ?? "" }, sink) }),
          }),
        }),
      ],
    });
    const received: unknown[] = [];
    const { unsubscribe } = urql
      .subscription<{ productUpdated: unknown }>(PRODUCT_UPDATED, { id: product.id })
      .subscribe((result) => result.data && received.push(result.data.productUpdated));
    await expectLive(product.id, received);
    unsubscribe();
  });

  // Regression: urql's `Accept: text/event-stream, multipart/mixed` got a 404 from graphql-sse, which serves only
  // an exact `text/event-stream`.
  it("reaches urql over HTTP (fetchExchange with fetchSubscriptions: SSE)", async () => {
    const product = await createProduct(stack, admin, { name: "Urql HTTP Live", stock: 3 });
    const urql = new UrqlClient({
      url: stack.routerUrl,
      exchanges: [cacheExchange, fetchExchange],
      fetchSubscriptions: true,
    });
    const received: unknown[] = [];
    const { unsubscribe } = urql
      .subscription<{ productUpdated: unknown }>(PRODUCT_UPDATED, { id: product.id })
      .subscribe((result) => result.data && received.push(result.data.productUpdated));
    await expectLive(product.id, received);
    unsubscribe();
  });

  it("reaches the SDK's typed subscription methods (async iterators over SSE), with the router's codes when refused", async () => {
    const product = await createProduct(stack, admin, { name: "SDK Live", stock: 3 });
    const sdk = createSdk({ url: stack.routerUrl, token: admin.token });
    const controller = new AbortController();
    const received: number[] = [];
    const reading = (async () => {
      for await (const { productUpdated } of sdk.productUpdated({ id: product.id }, { signal: controller.signal }))
        received.push(productUpdated.stock);
    })();
    let stock = 3;
    await until(
      () => received.length > 0,
      () => sdk.updateProduct({ id: product.id, input: { stock: ++stock } }),
    );
    expect(received[0]).toBeGreaterThan(3);
    controller.abort();
    await reading;
    const anonymous = sdk.withToken(undefined).orderUpdated();
    const refused = await anonymous.next().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SupergraphError);
    expect((refused as SupergraphError).code).toBe("UNAUTHENTICATED");
  });

  it("ends a live subscription when its token is revoked (deleteMe), with UNAUTHENTICATED", async () => {
    const carol = await signUp(stack, "Carol Live");
    const watch = collect(ws(carol.token), ORDER_UPDATED);
    const product = await createProduct(stack, admin, { stock: 50 });
    await until(
      () => watch.results.length > 0,
      () => stack.gql(PLACE, { input: { items: [{ productId: product.id, quantity: 1 }] } }, { token: carol.token }),
    );
    const deleted = await stack.gql(`mutation { deleteMe(password: "correct horse") }`, {}, { token: carol.token });
    expect(deleted.errors).toBeUndefined();
    await until(() => watch.results.some((result) => result.errors?.[0]?.extensions?.code === "UNAUTHENTICATED"));
    expect(watch.results.at(-1)?.errors?.[0]?.message).toMatch(/revoked/);
  });
});
