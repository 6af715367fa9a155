import { randomUUID } from "node:crypto";
import { createLogger, INTERNAL_TOKEN_HEADER, signInternalToken } from "@supergraph/kit/runtime";
import type { RunningSubgraph } from "@supergraph/kit/subgraph";
import * as orders from "@supergraph/orders";
import { loadConfig } from "@supergraph/router";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createProduct,
  gql,
  type SignedIn,
  type Stack,
  signUp,
  signUpAdmin,
  startStack,
  stockOf,
  testEnv,
} from "../harness.ts";
import { lateProxy } from "../proxy.ts";

let stack: Stack;
let admin: SignedIn;
const secret = loadConfig(testEnv()).internalTokenSecret;
beforeAll(async () => {
  stack = await startStack();
  admin = await signUpAdmin(stack);
});
afterAll(() => stack?.close());

/** A GraphQL call straight to a subgraph, as the given service would make it. */
async function callAs(
  caller: string,
  url: string,
  query: string,
  variables: Record<string, unknown>,
  viewer: SignedIn | null = null,
) {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      [INTERNAL_TOKEN_HEADER]: signInternalToken(
        { caller, viewer: viewer && { userId: viewer.id, role: "CUSTOMER" } },
        secret,
      ),
    },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as {
    data?: Record<string, unknown> | null;
    errors?: Array<{ extensions?: { code?: string } }>;
  };
}

const RESERVE = `mutation($orderId: ID!, $lines: [StockLineInput!]!) { reserveStock(orderId: $orderId, lines: $lines) { orderId released lines { productId quantity unitPriceCents } } }`;
const RELEASE = `mutation($orderId: ID!) { releaseStock(orderId: $orderId) { released } }`;
const reserve = (orderId: string, lines: Array<{ productId: string; quantity: number }>) =>
  callAs("orders", stack.products.url, RESERVE, { orderId, lines });
const release = (orderId: string) => callAs("orders", stack.products.url, RELEASE, { orderId });

describe("the stock API between orders and products", () => {
  it("is not part of the public graph", async () => {
    const product = await createProduct(stack, admin);
    const result = await stack.gql(
      `mutation { reserveStock(orderId: "${randomUUID()}", lines: [{ productId: "${product.id}", quantity: 1 }]) { orderId } }`,
      {},
      { token: admin.token },
    );
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    const introspection = await stack.gql<{ __schema: { mutationType: { fields: Array<{ name: string }> } } }>(
      `{ __schema { mutationType { fields { name } } } }`,
    );
    expect(introspection.data?.__schema.mutationType.fields.map((field) => field.name)).not.toContain("reserveStock");
    expect(await stockOf(stack, product.id)).toBe(10);
  });

  it("refuses every caller but the orders service", async () => {
    const product = await createProduct(stack, admin);
    for (const caller of ["router", "posts", "users"]) {
      const result = await callAs(caller, stack.products.url, RESERVE, {
        orderId: randomUUID(),
        lines: [{ productId: product.id, quantity: 1 }],
      });
      expect(result.errors?.[0]?.extensions?.code, caller).toBe("FORBIDDEN");
    }
    expect(await stockOf(stack, product.id)).toBe(10);
  });

  it("takes stock once per order id, however often (or concurrently) the reservation is retried", async () => {
    const product = await createProduct(stack, admin, { priceCents: 700 });
    const orderId = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => reserve(orderId, [{ productId: product.id, quantity: 3 }])),
    );
    for (const result of results) {
      expect(result.data?.reserveStock).toEqual({
        orderId,
        released: false,
        lines: [{ productId: product.id, quantity: 3, unitPriceCents: 700 }],
      });
    }
    expect(await stockOf(stack, product.id)).toBe(7);
    const different = await reserve(orderId, [{ productId: product.id, quantity: 4 }]);
    expect(different.errors?.[0]?.extensions?.code).toBe("CONFLICT");
    expect(await stockOf(stack, product.id)).toBe(7);
  });

  it("puts stock back exactly once, however often the release is sent", async () => {
    const product = await createProduct(stack, admin);
    const orderId = randomUUID();
    await reserve(orderId, [{ productId: product.id, quantity: 6 }]);
    await Promise.all([release(orderId), release(orderId), release(orderId)]);
    await release(orderId);
    expect(await stockOf(stack, product.id)).toBe(10);
  });

  it("refuses a reservation that arrives after its order id was released (a late retry)", async () => {
    const product = await createProduct(stack, admin);
    const orderId = randomUUID();
    await release(orderId);
    const late = await reserve(orderId, [{ productId: product.id, quantity: 2 }]);
    expect(late.errors?.[0]?.extensions?.code).toBe("CONFLICT");
    expect(await stockOf(stack, product.id)).toBe(10);
  });
});

describe("placeOrder when something fails", () => {
  /** An extra orders subgraph on the stack's orders database, reaching products at `productsUrl`. */
  async function ordersVia(
    productsUrl: string,
    extra: Record<string, string> = {},
  ): Promise<RunningSubgraph<orders.Db>> {
    return orders.startOrdersSubgraph(
      orders.loadConfig(
        testEnv({
          ORDERS_PORT: "0",
          ORDERS_DATABASE_URL: stack.orders.connectionString,
          PRODUCTS_URL: productsUrl,
          ...extra,
        }),
      ),
      createLogger("orders-test", "silent"),
    );
  }
  /** A proxy in front of products that answers its first `late` calls 1.5 s after products did. */
  const lateProducts = (late: number) => lateProxy(stack.products.url, late, 1_500);
  const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id items { quantity unitPriceCents } } }`;

  it("releases the reservation when the order cannot be saved, leaving no stock taken", async () => {
    const buyer = await signUp(stack);
    const product = await createProduct(stack, admin, { stock: 10 });
    // Break the orders database for real: a constraint no new order can satisfy.
    await stack.orders.db.$executeRawUnsafe(
      `ALTER TABLE orders ADD CONSTRAINT test_refuse_orders CHECK (total_cents < 0) NOT VALID`,
    );
    try {
      const result = await stack.gql(
        PLACE,
        { input: { items: [{ productId: product.id, quantity: 3 }] } },
        { token: buyer.token },
      );
      expect(result.errors?.[0]?.extensions?.code).toBe("INTERNAL_SERVER_ERROR");
      expect(JSON.stringify(result.errors)).not.toContain("test_refuse_orders");
    } finally {
      await stack.orders.db.$executeRawUnsafe(`ALTER TABLE orders DROP CONSTRAINT test_refuse_orders`);
    }
    expect(await stockOf(stack, product.id)).toBe(10);
    expect(await stack.orders.db.order.count({ where: { buyerId: buyer.id } })).toBe(0);
    const reservations = await stack.products.db.stockReservationLine.findMany({
      where: { productId: product.id },
      include: { reservation: true },
    });
    expect(reservations.map((line) => line.reservation.releasedAt !== null)).toEqual([true]);
  });

  it("answers SERVICE_UNAVAILABLE and saves nothing when products cannot be reached", async () => {
    const buyer = await signUp(stack);
    const product = await createProduct(stack, admin, { stock: 10 });
    const isolated = await ordersVia("http://127.0.0.1:9/graphql", { STOCK_ATTEMPTS: "2", STOCK_TIMEOUT_MS: "500" });
    try {
      const result = await callAs(
        "router",
        isolated.url,
        PLACE,
        { input: { items: [{ productId: product.id, quantity: 1 }] } },
        buyer,
      );
      expect(result.errors?.[0]?.extensions?.code).toBe("SERVICE_UNAVAILABLE");
    } finally {
      await isolated.close();
    }
    expect(await stockOf(stack, product.id)).toBe(10);
    expect(await stack.orders.db.order.count({ where: { buyerId: buyer.id } })).toBe(0);
  });

  it("retries a reservation that timed out without taking stock twice", async () => {
    const buyer = await signUp(stack);
    const product = await createProduct(stack, admin, { stock: 10 });
    // Products takes the stock for the first reservation but answers it too late: the orders service has
    // given up waiting and retries.
    const proxy = await lateProducts(1);
    const slow = await ordersVia(proxy.url, { STOCK_TIMEOUT_MS: "500" });
    try {
      const result = await callAs(
        "router",
        slow.url,
        PLACE,
        { input: { items: [{ productId: product.id, quantity: 4 }] } },
        buyer,
      );
      expect(result.errors).toBeUndefined();
      expect(proxy.requests()).toBeGreaterThanOrEqual(2);
    } finally {
      await slow.close();
      await proxy.close();
    }
    expect(await stockOf(stack, product.id)).toBe(6);
    expect(await stack.orders.db.order.count({ where: { buyerId: buyer.id } })).toBe(1);
  });

  it("places nothing once PLACE_ORDER_TIMEOUT_MS has passed, so the router never gives up on an order that is then placed", async () => {
    const buyer = await signUp(stack);
    const product = await createProduct(stack, admin, { stock: 10 });
    // Products answers its first two calls late (each takes the stock or finds it taken, idempotently),
    // then at once: without the deadline, the third attempt would place the order after 2.6 s.
    const proxy = await lateProducts(2);
    const slow = await ordersVia(proxy.url, {
      STOCK_TIMEOUT_MS: "1000",
      PLACE_ORDER_TIMEOUT_MS: "2000",
    });
    const router = await stack.startRouter({ ORDERS_URL: slow.url, ORDERS_TIMEOUT_MS: "5000" });
    try {
      const result = await gql(
        router.url,
        PLACE,
        { input: { items: [{ productId: product.id, quantity: 4 }] } },
        { token: buyer.token },
      );
      expect(result.errors?.[0]?.extensions?.code).toBe("SERVICE_UNAVAILABLE");
      expect(result.errors?.[0]?.message).toMatch(/nothing was ordered/);
      // Long enough for a third attempt that was not cut short to have placed it.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(await stack.orders.db.order.count({ where: { buyerId: buyer.id } })).toBe(0);
      expect(await stockOf(stack, product.id)).toBe(10);
    } finally {
      await router.close();
      await slow.close();
      await proxy.close();
    }
  });
});
