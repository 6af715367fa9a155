import { realPostgresAvailable } from "@supergraph/db/testing";
import { urlVariable } from "@supergraph/registry";
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
  untilHit,
} from "../harness.ts";

// A replica of orders shares its database, which the embedded Postgres cannot (one process).
const realPostgres = await realPostgresAvailable();
let stack: Stack;
let admin: SignedIn;
beforeAll(async () => {
  // The default (testEnv raises it for the other suites).
  stack = await startStack({ env: { MAX_OPEN_ORDERS: "10" } });
  admin = await signUpAdmin(stack);
});
afterAll(() => stack?.close());

const PLACE = `mutation Place($input: PlaceOrderInput!) {
  placeOrder(input: $input) { id status totalCents buyer { id name } items { product { id name } quantity unitPriceCents } }
}`;
const CANCEL = `mutation Cancel($id: ID!) { cancelOrder(id: $id) { id status } }`;
const ORDER = `query Order($id: ID!) { order(id: $id) { id status totalCents items { quantity unitPriceCents } } }`;

type Placed = {
  placeOrder: {
    id: string;
    status: string;
    totalCents: number;
    buyer: { id: string; name: string };
    items: Array<{ product: { id: string; name: string }; quantity: number; unitPriceCents: number }>;
  };
};

async function place(buyer: SignedIn, items: Array<{ productId: string; quantity: number }>) {
  return stack.gql<Placed>(PLACE, { input: { items } }, { token: buyer.token });
}

const ordersOf = (buyerId: string) => stack.orders.db.order.count({ where: { buyerId } });

describe("placing an order", () => {
  it("refuses anonymous callers with UNAUTHENTICATED", async () => {
    const product = await createProduct(stack, admin);
    const result = await stack.gql(PLACE, { input: { items: [{ productId: product.id, quantity: 1 }] } });
    expect(result.status).toBe(401);
    expect(result.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(await stockOf(stack, product.id)).toBe(10);
  });

  it("takes the stock, snapshots the prices and totals the lines", async () => {
    const buyer = await signUp(stack, "Bea Buyer");
    const lamp = await createProduct(stack, admin, { name: "Lamp", priceCents: 2500, stock: 10 });
    const bulb = await createProduct(stack, admin, { name: "Bulb", priceCents: 399, stock: 50 });
    const result = await place(buyer, [
      { productId: lamp.id, quantity: 2 },
      { productId: bulb.id, quantity: 3 },
    ]);
    expect(result.errors).toBeUndefined();
    expect(result.data?.placeOrder).toMatchObject({
      status: "PLACED",
      totalCents: 2 * 2500 + 3 * 399,
      buyer: { id: buyer.id, name: "Bea Buyer" },
      items: [
        { product: { id: lamp.id, name: "Lamp" }, quantity: 2, unitPriceCents: 2500 },
        { product: { id: bulb.id, name: "Bulb" }, quantity: 3, unitPriceCents: 399 },
      ],
    });
    expect(await stockOf(stack, lamp.id)).toBe(8);
    expect(await stockOf(stack, bulb.id)).toBe(47);
  });

  it("keeps the price paid when the product's price changes later", async () => {
    const buyer = await signUp(stack);
    const product = await createProduct(stack, admin, { priceCents: 1000 });
    const placed = await place(buyer, [{ productId: product.id, quantity: 2 }]);
    await stack.gql(
      `mutation { updateProduct(id: "${product.id}", input: { priceCents: 9999 }) { id } }`,
      {},
      { token: admin.token },
    );
    const order = await stack.gql(ORDER, { id: placed.data?.placeOrder.id }, { token: buyer.token });
    expect(order.data).toMatchObject({ order: { totalCents: 2000, items: [{ quantity: 2, unitPriceCents: 1000 }] } });
  });

  it("merges lines that name the same product", async () => {
    const buyer = await signUp(stack);
    const product = await createProduct(stack, admin);
    const result = await place(buyer, [
      { productId: product.id, quantity: 2 },
      { productId: product.id, quantity: 3 },
    ]);
    expect(result.data?.placeOrder.items).toEqual([expect.objectContaining({ quantity: 5 })]);
    expect(await stockOf(stack, product.id)).toBe(5);
  });

  it.each([
    ["no lines", () => []],
    ["a quantity of 0", (id: string) => [{ productId: id, quantity: 0 }]],
    ["a quantity over 100", (id: string) => [{ productId: id, quantity: 101 }]],
    [
      "merged lines over 100",
      (id: string) => [
        { productId: id, quantity: 60 },
        { productId: id, quantity: 41 },
      ],
    ],
    ["more than 20 lines", (id: string) => Array.from({ length: 21 }, () => ({ productId: id, quantity: 1 }))],
    ["a product id that is not an id", () => [{ productId: "lamp", quantity: 1 }]],
  ])("refuses %s with BAD_USER_INPUT and changes nothing", async (_label, items) => {
    const buyer = await signUp(stack);
    const product = await createProduct(stack, admin, { stock: 500 });
    const result = await place(buyer, items(product.id));
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(await stockOf(stack, product.id)).toBe(500);
    expect(await ordersOf(buyer.id)).toBe(0);
  });

  it("fails the whole order with NOT_FOUND when one product does not exist, taking no stock", async () => {
    const buyer = await signUp(stack);
    const product = await createProduct(stack, admin, { stock: 10 });
    const result = await place(buyer, [
      { productId: product.id, quantity: 1 },
      { productId: "00000000-0000-4000-8000-00000000f00d", quantity: 1 },
    ]);
    expect(result.status).toBe(404);
    expect(result.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect(await stockOf(stack, product.id)).toBe(10);
    expect(await ordersOf(buyer.id)).toBe(0);
  });

  it("fails the whole order with INSUFFICIENT_STOCK when one line cannot be served, taking no stock", async () => {
    const buyer = await signUp(stack);
    const plenty = await createProduct(stack, admin, { stock: 10 });
    const scarce = await createProduct(stack, admin, { stock: 2 });
    const result = await place(buyer, [
      { productId: plenty.id, quantity: 4 },
      { productId: scarce.id, quantity: 3 },
    ]);
    expect(result.status).toBe(409);
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: "INSUFFICIENT_STOCK",
      productId: scarce.id,
      available: 2,
      requested: 3,
    });
    expect(await stockOf(stack, plenty.id)).toBe(10);
    expect(await stockOf(stack, scarce.id)).toBe(2);
    expect(await ordersOf(buyer.id)).toBe(0);
  });

  it("reads a product id in upper case as the same id: lines merged, limits counted, the cached stock fresh", async () => {
    const buyer = await signUp(stack);
    const product = await createProduct(stack, admin, { stock: 500 });
    const upper = product.id.toUpperCase();
    const stock = () =>
      stack.gql<{ product: { stock: number } }>(`query($id: ID!) { product(id: $id) { stock } }`, { id: product.id });
    expect(await untilHit(async () => (await stock()).headers.get("x-cache"))).toBe("HIT");
    const placed = await place(buyer, [
      { productId: product.id, quantity: 2 },
      { productId: upper, quantity: 3 },
    ]);
    expect(placed.errors).toBeUndefined();
    expect(placed.data?.placeOrder.items).toEqual([expect.objectContaining({ quantity: 5 })]);
    const after = await stock();
    expect(after.headers.get("x-cache")).toBe("MISS");
    expect(after.data).toEqual({ product: { stock: 495 } });
    // What the buyer holds is counted whatever the case: 95 more is one too many.
    const refused = await place(buyer, [{ productId: upper, quantity: 96 }]);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", reason: "OPEN_QUANTITY", held: 5 });
    expect(await stockOf(stack, product.id)).toBe(495);
  });

  it("refuses an order whose total passes what an Int holds with BAD_USER_INPUT, taking no stock", async () => {
    const buyer = await signUp(stack);
    const product = await createProduct(stack, admin, { priceCents: 100_000_000, stock: 50 });
    const result = await place(buyer, [{ productId: product.id, quantity: 22 }]);
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.items" });
    expect(await stockOf(stack, product.id)).toBe(50);
    expect(await ordersOf(buyer.id)).toBe(0);
  });

  it("refuses a deleted product with NOT_FOUND", async () => {
    const buyer = await signUp(stack);
    const product = await createProduct(stack, admin);
    await stack.gql(`mutation { deleteProduct(id: "${product.id}") { id } }`, {}, { token: admin.token });
    const result = await place(buyer, [{ productId: product.id, quantity: 1 }]);
    expect(result.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  it("never oversells: 24 concurrent buyers of a product with 5 in stock, exactly 5 succeed", async () => {
    const product = await createProduct(stack, admin, { stock: 5 });
    const buyers = await Promise.all(Array.from({ length: 24 }, () => signUp(stack)));
    const results = await Promise.all(buyers.map((buyer) => place(buyer, [{ productId: product.id, quantity: 1 }])));
    const succeeded = results.filter((result) => result.data?.placeOrder.status === "PLACED");
    const codes = results.filter((result) => result.errors).map((result) => result.errors?.[0]?.extensions?.code);
    expect(succeeded).toHaveLength(5);
    expect(codes).toEqual(Array(19).fill("INSUFFICIENT_STOCK"));
    expect(await stockOf(stack, product.id)).toBe(0);
    expect(await stack.orders.db.orderItem.count({ where: { productId: product.id } })).toBe(5);
  });
});

describe("what one buyer's open orders may hold (MAX_OPEN_ORDERS 10, MAX_OPEN_QUANTITY 100)", () => {
  const ADVANCE = `mutation Advance($id: ID!) { advanceOrder(id: $id, status: SHIPPED) { id status } }`;
  const one = (productId: string) => [{ productId, quantity: 1 }];

  it("refuses an 11th order waiting to ship with CONFLICT, taking no stock; cancelling or shipping one frees its place", async () => {
    const buyer = await signUp(stack);
    const product = await createProduct(stack, admin, { stock: 100 });
    const ids: string[] = [];
    for (let n = 0; n < 10; n++) {
      const placed = await place(buyer, one(product.id));
      expect(placed.errors).toBeUndefined();
      ids.push(placed.data?.placeOrder.id as string);
    }
    const refused = await place(buyer, one(product.id));
    expect(refused.status).toBe(409);
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: "CONFLICT",
      reason: "OPEN_ORDERS",
      openOrders: 10,
      limit: 10,
    });
    expect(await stockOf(stack, product.id)).toBe(90);
    expect(await ordersOf(buyer.id)).toBe(10);

    await stack.gql(CANCEL, { id: ids[0] }, { token: buyer.token });
    expect((await place(buyer, one(product.id))).data?.placeOrder.status).toBe("PLACED");
    const shipped = await stack.gql(ADVANCE, { id: ids[1] }, { token: admin.token });
    expect(shipped.data).toEqual({ advanceOrder: { id: ids[1], status: "SHIPPED" } });
    expect((await place(buyer, one(product.id))).data?.placeOrder.status).toBe("PLACED");
    expect((await place(buyer, one(product.id))).errors?.[0]?.extensions?.code).toBe("CONFLICT");
    // Another buyer is not held back by this one's orders.
    expect((await place(await signUp(stack), one(product.id))).data?.placeOrder.status).toBe("PLACED");
  });

  it("refuses more than 100 of one product across open orders with CONFLICT, naming it", async () => {
    const buyer = await signUp(stack);
    const scarce = await createProduct(stack, admin, { stock: 500 });
    const other = await createProduct(stack, admin, { stock: 500 });
    expect((await place(buyer, [{ productId: scarce.id, quantity: 60 }])).errors).toBeUndefined();
    const refused = await place(buyer, [
      { productId: other.id, quantity: 5 },
      { productId: scarce.id, quantity: 41 },
    ]);
    expect(refused.status).toBe(409);
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: "CONFLICT",
      reason: "OPEN_QUANTITY",
      productId: scarce.id,
      held: 60,
      requested: 41,
      limit: 100,
    });
    expect([await stockOf(stack, scarce.id), await stockOf(stack, other.id)]).toEqual([440, 500]);
    const forty = await place(buyer, [{ productId: scarce.id, quantity: 40 }]);
    expect(forty.errors).toBeUndefined();
    expect(await stockOf(stack, scarce.id)).toBe(400);
    expect((await place(buyer, [{ productId: scarce.id, quantity: 1 }])).errors?.[0]?.extensions?.code).toBe(
      "CONFLICT",
    );
    // A cancelled order's units no longer count, nor a shipped one's.
    await stack.gql(CANCEL, { id: forty.data?.placeOrder.id }, { token: buyer.token });
    const thirty = await place(buyer, [{ productId: scarce.id, quantity: 30 }]);
    expect(thirty.errors).toBeUndefined();
    await stack.gql(ADVANCE, { id: thirty.data?.placeOrder.id }, { token: admin.token });
    expect((await place(buyer, [{ productId: scarce.id, quantity: 40 }])).errors).toBeUndefined();
    expect(await stockOf(stack, scarce.id)).toBe(370);
  });

  it("counts concurrent orders of one product together: of 5 orders of 30 at once, 3 are placed", async () => {
    const buyer = await signUp(stack);
    const product = await createProduct(stack, admin, { stock: 500 });
    const results = await Promise.all(
      Array.from({ length: 5 }, () => place(buyer, [{ productId: product.id, quantity: 30 }])),
    );
    const codes = results.map((result) => result.errors?.[0]?.extensions?.reason ?? result.data?.placeOrder.status);
    expect(codes.sort()).toEqual(["OPEN_QUANTITY", "OPEN_QUANTITY", "PLACED", "PLACED", "PLACED"]);
    expect(await stockOf(stack, product.id)).toBe(410);
  });

  it("places one buyer's orders one at a time, at most 5 in flight: of 20 at once the rest are refused with RATE_LIMITED", async () => {
    const buyer = await signUp(stack);
    const product = await createProduct(stack, admin, { stock: 100 });
    const results = await Promise.all(Array.from({ length: 20 }, () => place(buyer, one(product.id))));
    const codes = results.map((result) => result.errors?.[0]?.extensions?.code ?? result.data?.placeOrder.status);
    const placed = codes.filter((code) => code === "PLACED").length;
    expect(placed).toBeGreaterThanOrEqual(5);
    expect(codes.filter((code) => code === "RATE_LIMITED").length).toBeGreaterThan(0);
    expect(codes.filter((code) => !["PLACED", "RATE_LIMITED", "CONFLICT"].includes(String(code)))).toEqual([]);
    for (const result of results.filter((result) => result.errors?.[0]?.extensions?.code === "RATE_LIMITED"))
      expect(result.errors?.[0]?.extensions?.retryAfterSeconds).toBe(1);
    expect(await stockOf(stack, product.id)).toBe(100 - placed);
    expect(await ordersOf(buyer.id)).toBe(placed);
  });

  it.skipIf(!realPostgres)(
    "counts one buyer's orders at two replicas one after another: with 6 open, of 5 + 5 at once exactly 4 are placed, and only theirs take stock",
    async () => {
      const replica = await stack.startReplica("orders");
      const second = await stack.startRouter({ [urlVariable("orders")]: replica.url });
      try {
        const buyer = await signUp(stack);
        const product = await createProduct(stack, admin, { stock: 100 });
        for (let n = 0; n < 6; n++) expect((await place(buyer, one(product.id))).errors).toBeUndefined();
        const viaSecond = () =>
          gql<Placed>(second.url, PLACE, { input: { items: one(product.id) } }, { token: buyer.token });
        const results = await Promise.all([
          ...Array.from({ length: 5 }, () => place(buyer, one(product.id))),
          ...Array.from({ length: 5 }, viaSecond),
        ]);
        const codes = results.map((result) => result.errors?.[0]?.extensions?.code ?? result.data?.placeOrder.status);
        expect(codes.filter((code) => code === "PLACED")).toHaveLength(4);
        expect(codes.filter((code) => code === "CONFLICT")).toHaveLength(6);
        expect(await stockOf(stack, product.id)).toBe(90);
        expect(await stack.orders.db.orderItem.count({ where: { productId: product.id } })).toBe(10);
      } finally {
        await second.close();
        await replica.close();
      }
    },
  );
});

describe("cancelling an order", () => {
  it("puts the stock back exactly once, however often it is cancelled", async () => {
    const buyer = await signUp(stack);
    const product = await createProduct(stack, admin, { stock: 10 });
    const placed = await place(buyer, [{ productId: product.id, quantity: 4 }]);
    const id = placed.data?.placeOrder.id;
    expect(await stockOf(stack, product.id)).toBe(6);
    const results = await Promise.all([1, 2, 3].map(() => stack.gql(CANCEL, { id }, { token: buyer.token })));
    for (const result of results) expect(result.data).toEqual({ cancelOrder: { id, status: "CANCELLED" } });
    const again = await stack.gql(CANCEL, { id }, { token: buyer.token });
    expect(again.data).toEqual({ cancelOrder: { id, status: "CANCELLED" } });
    expect(await stockOf(stack, product.id)).toBe(10);
  });

  it("lets an admin cancel, forbids other customers, and answers NOT_FOUND for unknown orders", async () => {
    const buyer = await signUp(stack);
    const stranger = await signUp(stack);
    const product = await createProduct(stack, admin, { stock: 10 });
    const id = (await place(buyer, [{ productId: product.id, quantity: 1 }])).data?.placeOrder.id;
    const byStranger = await stack.gql(CANCEL, { id }, { token: stranger.token });
    expect(byStranger.status).toBe(403);
    expect(byStranger.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(await stockOf(stack, product.id)).toBe(9);
    const byAdmin = await stack.gql(CANCEL, { id }, { token: admin.token });
    expect(byAdmin.data).toEqual({ cancelOrder: { id, status: "CANCELLED" } });
    expect(await stockOf(stack, product.id)).toBe(10);
    const unknown = await stack.gql(CANCEL, { id: "00000000-0000-4000-8000-0000000000aa" }, { token: admin.token });
    expect(unknown.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const anonymous = await stack.gql(CANCEL, { id });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});

describe("who may read orders", () => {
  it("shows an order to its buyer and admins, FORBIDDEN to others, UNAUTHENTICATED to the anonymous, null when it does not exist", async () => {
    const buyer = await signUp(stack);
    const stranger = await signUp(stack);
    const product = await createProduct(stack, admin);
    const id = (await place(buyer, [{ productId: product.id, quantity: 1 }])).data?.placeOrder.id;
    expect((await stack.gql(ORDER, { id }, { token: buyer.token })).data).toMatchObject({ order: { id } });
    expect((await stack.gql(ORDER, { id }, { token: admin.token })).data).toMatchObject({ order: { id } });
    const denied = await stack.gql(ORDER, { id }, { token: stranger.token });
    expect(denied.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(denied.data?.order ?? null).toBeNull();
    // Anonymous: the same for an order that exists and one that does not.
    for (const orderId of [id, "00000000-0000-4000-8000-0000000000ab"]) {
      const anonymous = await stack.gql(ORDER, { id: orderId });
      expect(anonymous.errors?.[0]?.extensions?.code, orderId).toBe("UNAUTHENTICATED");
      expect(anonymous.data?.order ?? null).toBeNull();
    }
    const missing = await stack.gql(ORDER, { id: "00000000-0000-4000-8000-0000000000ab" }, { token: admin.token });
    expect(missing.data).toEqual({ order: null });
  });

  it("lists a user's own orders newest first, and refuses them to anyone but that user and admins", async () => {
    const buyer = await signUp(stack);
    const stranger = await signUp(stack);
    const product = await createProduct(stack, admin, { stock: 100 });
    const first = (await place(buyer, [{ productId: product.id, quantity: 1 }])).data?.placeOrder.id;
    const second = (await place(buyer, [{ productId: product.id, quantity: 2 }])).data?.placeOrder.id;
    const mine = await stack.gql<{ me: { orders: Array<{ id: string }> } }>(
      `{ me { orders { id } } }`,
      {},
      { token: buyer.token },
    );
    expect(mine.data?.me.orders.map((order) => order.id)).toEqual([second, first]);

    const query = `query($id: ID!) { user(id: $id) { id orders { id } } }`;
    const asAdmin = await stack.gql<{ user: { orders: Array<{ id: string }> } }>(
      query,
      { id: buyer.id },
      { token: admin.token },
    );
    expect(asAdmin.data?.user.orders.map((order) => order.id)).toEqual([second, first]);
    const asStranger = await stack.gql(query, { id: buyer.id }, { token: stranger.token });
    expect(asStranger.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(JSON.stringify(asStranger.data)).not.toContain(first);
  });
});

describe("fulfilment (advanceOrder)", () => {
  const ADVANCE = `mutation Advance($id: ID!, $status: OrderStatus!) { advanceOrder(id: $id, status: $status) { id status } }`;
  const advance = (id: string, status: string, who: SignedIn = admin) =>
    stack.gql<{ advanceOrder: { id: string; status: string } }>(ADVANCE, { id, status }, { token: who.token });

  it("moves an order PLACED → SHIPPED → DELIVERED, one step at a time, and a repeated step is harmless", async () => {
    const buyer = await signUp(stack);
    const product = await createProduct(stack, admin, { stock: 5 });
    const order = (await place(buyer, [{ productId: product.id, quantity: 1 }])).data?.placeOrder.id as string;
    const skipped = await advance(order, "DELIVERED");
    expect(skipped.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", status: "PLACED" });
    expect((await advance(order, "SHIPPED")).data?.advanceOrder.status).toBe("SHIPPED");
    expect((await advance(order, "SHIPPED")).data?.advanceOrder.status).toBe("SHIPPED");
    expect((await advance(order, "PLACED")).errors?.[0]?.extensions?.code).toBe("CONFLICT");
    expect((await advance(order, "DELIVERED")).data?.advanceOrder.status).toBe("DELIVERED");
    expect((await advance(order, "CANCELLED")).errors?.[0]?.extensions?.code).toBe("CONFLICT");
  });

  it("is for admins only", async () => {
    const buyer = await signUp(stack);
    const product = await createProduct(stack, admin, { stock: 5 });
    const order = (await place(buyer, [{ productId: product.id, quantity: 1 }])).data?.placeOrder.id as string;
    expect((await advance(order, "SHIPPED", buyer)).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect((await stack.gql(ADVANCE, { id: order, status: "SHIPPED" })).errors?.[0]?.extensions?.code).toBe(
      "UNAUTHENTICATED",
    );
    expect((await advance("00000000-0000-4000-a000-000000000404", "SHIPPED")).errors?.[0]?.extensions?.code).toBe(
      "NOT_FOUND",
    );
  });

  it("refuses to cancel a shipped order, and keeps its stock taken", async () => {
    const buyer = await signUp(stack);
    const product = await createProduct(stack, admin, { stock: 5 });
    const order = (await place(buyer, [{ productId: product.id, quantity: 2 }])).data?.placeOrder.id as string;
    await advance(order, "SHIPPED");
    const cancelled = await stack.gql<{ cancelOrder: { status: string } }>(
      CANCEL,
      { id: order },
      { token: buyer.token },
    );
    expect(cancelled.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", status: "SHIPPED" });
    expect(await stockOf(stack, product.id)).toBe(3);
  });

  it("lets only one of a concurrent cancel and ship win", async () => {
    const buyer = await signUp(stack);
    const product = await createProduct(stack, admin, { stock: 5 });
    const order = (await place(buyer, [{ productId: product.id, quantity: 1 }])).data?.placeOrder.id as string;
    const [cancelled, shipped] = await Promise.all([
      stack.gql(CANCEL, { id: order }, { token: buyer.token }),
      advance(order, "SHIPPED"),
    ]);
    const final = (await stack.gql<{ order: { status: string } }>(ORDER, { id: order }, { token: admin.token })).data
      ?.order.status;
    expect([cancelled.errors === undefined, shipped.errors === undefined].filter(Boolean)).toHaveLength(1);
    expect(final).toBe(cancelled.errors === undefined ? "CANCELLED" : "SHIPPED");
    // Stock is back only if the cancel won.
    expect(await stockOf(stack, product.id)).toBe(final === "CANCELLED" ? 5 : 4);
  });
});
