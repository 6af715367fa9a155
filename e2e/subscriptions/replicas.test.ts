import { realPostgresAvailable } from "@supergraph/db/testing";
import { urlVariable } from "@supergraph/registry";
import { createClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  createProduct,
  gql,
  graphqlRequestCount,
  type SignedIn,
  type Stack,
  signUp,
  signUpAdmin,
  startStack,
} from "../harness.ts";
import { deleteKeys, redisAvailable, redisUrl, uniquePrefix } from "../redis.ts";

// Issue #28: two routers and two processes of the real orders subgraph sharing Redis; an event caused
// through one router reaches a subscriber of the other, completed from products and users. A replica shares
// its subgraph's database, which the embedded Postgres cannot (one process), so this needs a real one.

const ORDER = `id status items { product { name } } buyer { name }`;
type Order = { id: string; status: string; items: Array<{ product: { name: string } }>; buyer: { name: string } };

describe.skipIf(!(await redisAvailable()) || !(await realPostgresAvailable()))(
  "subscriptions across router and subgraph replicas (Redis)",
  () => {
    const prefix = uniquePrefix("replicas");
    let stack: Stack;
    let admin: SignedIn;
    beforeAll(async () => {
      // Every service shares Redis under this test's own prefix: the subgraphs' events, the routers' cache and limits.
      stack = await startStack({
        env: {
          REDIS_URL: redisUrl,
          EVENTS_CHANNEL_PREFIX: prefix,
          RESPONSE_CACHE_KEY_PREFIX: prefix,
          REDIS_KEY_PREFIX: prefix,
        },
      });
      admin = await signUpAdmin(stack);
    });
    afterAll(async () => {
      await stack?.close();
      await deleteKeys(prefix);
    });

    it("a subscriber of router A (orders #1) receives the orders placed and shipped through router B (orders #2)", async () => {
      const [buyer, product] = await Promise.all([
        signUp(stack, "Replica Buyer"),
        createProduct(stack, admin, { name: "Replica Lamp", stock: 50 }),
      ]);
      const replica = await stack.startReplica("orders");
      const routerB = await stack.startRouter({ [urlVariable("orders")]: replica.url });

      const subscriber = createClient({
        url: stack.routerUrl.replace(/^http/, "ws"),
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: { authorization: `Bearer ${buyer.token}` },
      });
      const received: Order[] = [];
      const stop = subscriber.subscribe<{ orderUpdated: Order }>(
        { query: `subscription { orderUpdated { ${ORDER} } }` },
        {
          next: (result) => void (result.data && received.push(result.data.orderUpdated)),
          error: () => {},
          complete: () => {},
        },
      );
      try {
        const viaB = <T>(query: string, variables: Record<string, unknown>, token: string) =>
          gql<T>(routerB.url, query, variables, { token });
        // A subscription is live only once orders #1 has subscribed: place orders until one arrives.
        await until(
          () => received.length > 0,
          () =>
            viaB(
              `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }`,
              { input: { items: [{ productId: product.id, quantity: 1 }] } },
              buyer.token,
            ),
        );
        // Router B's orders are the replica's: it served the mutations.
        expect(await graphqlRequestCount(replica.url)).toBeGreaterThan(0);
        const placed = received[0] as Order;
        expect(placed).toEqual({
          id: expect.any(String),
          status: "PLACED",
          items: [{ product: { name: "Replica Lamp" } }],
          buyer: { name: "Replica Buyer" },
        });

        const shipped = await viaB(
          `mutation($id: ID!) { advanceOrder(id: $id, status: SHIPPED) { id status } }`,
          { id: placed.id },
          admin.token,
        );
        expect(shipped.errors).toBeUndefined();
        await until(() => received.some((order) => order.id === placed.id && order.status === "SHIPPED"));
        const read = await viaB<{ order: Order }>(
          `query($id: ID!) { order(id: $id) { ${ORDER} } }`,
          { id: placed.id },
          buyer.token,
        );
        expect(received.find((order) => order.id === placed.id && order.status === "SHIPPED")).toEqual(
          read.data?.order,
        );
      } finally {
        stop();
        await subscriber.dispose();
      }
    });
  },
);

/** Waits until `ready` holds, repeating `act` (a subscription is live only once its subgraph has subscribed). */
async function until(ready: () => boolean, act?: () => Promise<unknown>, attempts = 60): Promise<void> {
  for (let attempt = 0; attempt < attempts && !ready(); attempt++) {
    await act?.();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(ready()).toBe(true);
}
