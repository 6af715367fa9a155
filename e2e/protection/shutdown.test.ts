import { Agent, request } from "node:http";
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
    {
      PORT: "0",
      USERS_URL: slowProxy.url,
      PRODUCTS_URL: stack.products.url,
      ORDERS_URL: stack.orders.url,
      POSTS_URL: stack.posts.url,
      ...extra,
    },
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

// Regression (#26): under keep-alive load, SIGTERM lost requests (connection resets as the listener
// closed and idle sockets were destroyed with a request already on the wire, and a 503). In the style of
// Hive Gateway's graceful-shutdown e2e: clients keep sending on keep-alive connections through the stop.
it("answers every request sent on keep-alive connections through SIGTERM, and closes idle ones cleanly", async () => {
  const router = await startRouterProcess({});
  const body = JSON.stringify({ query: `{ products(first: 2) { totalCount } }` });
  const failures: string[] = [];
  let answered = 0;
  let signalled = false;
  let answeredAfterSignal = 0;
  const post = (agent: Agent) =>
    new Promise<"ok" | "refused">((resolve) => {
      const outgoing = request(
        router.url,
        {
          method: "POST",
          agent,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        },
        (response) => {
          let text = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => {
            text += chunk;
          });
          response.on("end", () => {
            if (response.statusCode === 200 && text.includes('"totalCount"')) {
              answered++;
              if (signalled) answeredAfterSignal++;
              resolve("ok");
            } else {
              failures.push(`${response.statusCode} ${text.slice(0, 100)}`);
              resolve("ok");
            }
          });
          response.on("error", (error) => {
            failures.push(`response: ${error.message}`);
            resolve("ok");
          });
        },
      );
      outgoing.on("error", (error: NodeJS.ErrnoException) => {
        // Refused: a new connection after the listener closed; the request never left the client.
        if (error.code === "ECONNREFUSED") resolve("refused");
        else {
          failures.push(`${error.code ?? ""} ${error.message} (${signalled ? "after" : "before"} SIGTERM)`);
          resolve("ok");
        }
      });
      outgoing.end(body);
    });
  const agents = Array.from({ length: 8 }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
  const clients = agents.map(async (agent) => {
    while ((await post(agent)) === "ok" && failures.length === 0);
  });
  // Keep-alive connections that sit idle through the stop: they must not hold it open.
  const idle = Array.from({ length: 3 }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
  await Promise.all(idle.map((agent) => post(agent)));
  while (answered < 200) await new Promise((resolve) => setTimeout(resolve, 10));
  const stopping = performance.now();
  router.child.kill("SIGTERM");
  signalled = true;
  await Promise.all(clients);
  expect(await router.exit).toBe(0);
  for (const agent of [...agents, ...idle]) agent.destroy();
  expect(failures).toEqual([]);
  expect(answeredAfterSignal).toBeGreaterThan(0);
  // Idle connections are closed within about a second, not at the 72 s keep-alive timeout.
  expect(performance.now() - stopping).toBeLessThan(5_000);
});
