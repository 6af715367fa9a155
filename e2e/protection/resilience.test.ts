import { connect } from "node:net";
import { createLogger } from "@supergraph/kit/runtime";
import * as posts from "@supergraph/posts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gql, type SignedIn, type Stack, signUp, startStack, testEnv } from "../harness.ts";
import { delayingProxy } from "../proxy.ts";

let stack: Stack;
let user: SignedIn;
beforeAll(async () => {
  stack = await startStack();
  user = await signUp(stack);
});
afterAll(() => stack?.close());

const MIXED = `query Mixed($id: ID!) { products(first: 1) { totalCount } post(id: $id) { title } }`;

describe("a subgraph that hangs", () => {
  it("times out: partial data, an error naming the subgraph, HTTP 200; other queries are unaffected", async () => {
    const proxy = await delayingProxy(stack.posts.url);
    const router = await stack.startRouter({ POSTS_URL: proxy.url, POSTS_TIMEOUT_MS: "300" });
    proxy.hang = true;
    const started = Date.now();
    const result = await gql<{ products: { totalCount: number }; post: unknown }>(router.url, MIXED, {
      id: "00000000-0000-4000-8000-000000000001",
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.status).toBe(200);
    expect(result.data?.products.totalCount).toBeGreaterThanOrEqual(0);
    expect(result.data?.post).toBeNull();
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: "SERVICE_UNAVAILABLE",
      subgraph: "posts",
      reason: "timeout",
    });
    expect(result.errors?.[0]?.message).toContain("posts");

    const unaffected = await gql(router.url, `{ me { id } }`, {}, { token: user.token });
    expect(unaffected.data).toEqual({ me: { id: user.id } });
    await router.close();
    await proxy.close();
  });
});

describe("a subgraph that is killed", () => {
  it("answers with partial data naming it; retries a query once, never a mutation", async () => {
    const doomed = await posts.startPostsSubgraph(
      posts.loadConfig(
        testEnv({
          POSTS_PORT: "0",
          POSTS_DATABASE_URL: stack.posts.connectionString,
          PRODUCTS_URL: stack.products.url,
        }),
      ),
      createLogger("doomed", "silent"),
    );
    // Without the response cache, so the second query really goes to the subgraphs.
    const router = await stack.startRouter({ POSTS_URL: doomed.url, RESPONSE_CACHE: "false" });
    const alive = await gql(router.url, MIXED, { id: "00000000-0000-4000-8000-000000000001" });
    expect(alive.errors).toBeUndefined();
    await doomed.close();

    const retriesBefore = await retries(router.internalUrl);
    const result = await gql<{ products: unknown; post: unknown }>(router.url, MIXED, {
      id: "00000000-0000-4000-8000-000000000001",
    });
    expect(result.status).toBe(200);
    expect(result.data?.products).toBeTruthy();
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: "SERVICE_UNAVAILABLE",
      subgraph: "posts",
      reason: "connection",
    });
    expect(await retries(router.internalUrl)).toBe(retriesBefore + 1);

    const mutation = await gql(
      router.url,
      `mutation { createPost(input: { title: "t", body: "b" }) { id } }`,
      {},
      { token: user.token },
    );
    expect(mutation.errors?.[0]?.extensions?.code).toBe("SERVICE_UNAVAILABLE");
    expect(await retries(router.internalUrl)).toBe(retriesBefore + 1);
    await router.close();
  });
});

describe("the router's own timeout", () => {
  it("answers 504 GATEWAY_TIMEOUT when sequential fetches add up past ROUTER_TIMEOUT_MS", async () => {
    // Each subgraph answers in time (0.8 s < 1 s), but `me → orders` needs users, then orders: 1.6 s.
    const slowUsers = await delayingProxy(stack.users.url, 800);
    const slowOrders = await delayingProxy(stack.orders.url, 800);
    const router = await stack.startRouter({
      USERS_URL: slowUsers.url,
      ORDERS_URL: slowOrders.url,
      SUBGRAPH_TIMEOUT_MS: "1000",
      ROUTER_TIMEOUT_MS: "1200",
      RESPONSE_CACHE: "false",
    });
    const result = await gql(router.url, `{ me { id orders { id } } }`, {}, { token: user.token });
    expect(result.status).toBe(504);
    expect(result.errors?.[0]?.extensions?.code).toBe("GATEWAY_TIMEOUT");
    await router.close();
    await Promise.all([slowUsers.close(), slowOrders.close()]);
  });
});

describe("a request sent slowly", () => {
  it("gets 408 and its connection closed once ROUTER_TIMEOUT_MS has passed without the whole body", async () => {
    const router = await stack.startRouter({ SUBGRAPH_TIMEOUT_MS: "1000", ROUTER_TIMEOUT_MS: "1200" });
    const { hostname, port } = new URL(router.url);
    const socket = connect(Number(port), hostname);
    let received = "";
    socket.on("data", (chunk) => {
      received += chunk.toString();
    });
    const closed = new Promise<number>((resolve) => socket.on("close", () => resolve(Date.now())));
    const started = Date.now();
    // A cache-hit-sized body (the lane reads those itself), one byte at a time.
    socket.write("POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n");
    const drip = setInterval(() => socket.writable && socket.write("{"), 200);
    const ended = await closed;
    clearInterval(drip);
    expect(received).toMatch(/^HTTP\/1\.1 408/);
    expect(ended - started).toBeLessThan(5_000);
    await router.close();
  });
});

async function retries(internalUrl: string): Promise<number> {
  const response = await fetch(new URL("/metrics", internalUrl));
  expect(response.status).toBe(200);
  const text = await response.text();
  const line = text
    .split("\n")
    .find(
      (candidate) => candidate.startsWith("subgraph_fetch_retries_total{") && candidate.includes(`subgraph="posts"`),
    );
  return line ? Number(line.split(" ").at(-1)) : 0;
}
