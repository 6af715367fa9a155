import { afterAll, beforeAll, expect, it } from "vitest";
import { gql, type SignedIn, type Stack, signUp, startStack } from "../harness.ts";
import { ROUTER_LISTENING, startProcess } from "../processes.ts";
import { delayingProxy, type SubgraphProxy } from "../proxy.ts";

// Graceful shutdown, end to end: a real router process receives SIGTERM while a request is in flight.
let stack: Stack;
let user: SignedIn;
let slowProxy: SubgraphProxy;
beforeAll(async () => {
  stack = await startStack();
  user = await signUp(stack);
  // The users subgraph, one second slower: keeps a request in flight long enough to signal the router.
  slowProxy = await delayingProxy(stack.users.url, 1_000);
});
afterAll(async () => {
  await slowProxy?.close();
  await stack?.close();
});

const startRouterProcess = (extra: Record<string, string>) =>
  startProcess(
    "router/src/main.ts",
    { PORT: "0", USERS_URL: slowProxy.url, PRODUCTS_URL: stack.products.url, ORDERS_URL: stack.orders.url, POSTS_URL: stack.posts.url, ...extra },
    ROUTER_LISTENING,
  );

it("finishes an in-flight request after SIGTERM, refuses new work, then exits 0", async () => {
  const router = await startRouterProcess({});
  const inFlight = gql<{ me: { id: string } }>(router.url, `{ me { id name } }`, {}, { token: user.token });
  await new Promise((resolve) => setTimeout(resolve, 300));
  router.child.kill("SIGTERM");
  const result = await inFlight;
  expect(result.status).toBe(200);
  expect(result.data?.me.id).toBe(user.id);
  expect(await router.exit).toBe(0);
  await expect(fetch(router.url)).rejects.toThrow();
});

it("turns readiness off at once and keeps serving during the drain delay", async () => {
  const router = await startRouterProcess({ SHUTDOWN_DRAIN_DELAY_MS: "1500" });
  const ready = new URL("/health/ready", router.url);
  expect((await fetch(ready)).status).toBe(200);
  router.child.kill("SIGTERM");
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect((await fetch(ready)).status).toBe(503);
  const served = await gql(router.url, `{ __typename }`);
  expect(served.status).toBe(200);
  expect(await router.exit).toBe(0);
});
