import { randomUUID } from "node:crypto";
import { testDatabaseSettings } from "@supergraph/db/testing";
import { INTERNAL_TOKEN_HEADER, signInternalToken, type Viewer } from "@supergraph/kit/runtime";
import type { RunningSubgraph } from "@supergraph/kit/subgraph";
import { portVariable } from "@supergraph/registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Db, loadConfig, startOrdersSubgraph } from "../index.ts";

// User.orders is bounded (the newest `first`, 1–100, default 20) and read further with `after`. The
// subgraph runs over HTTP on a database of its own, called as the router calls it (`_entities`).

let orders: RunningSubgraph<Db>;
let drop: () => Promise<void>;
let secret: string;
beforeAll(async () => {
  const database = await testDatabaseSettings("orders");
  drop = database.drop;
  const config = loadConfig({
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    [portVariable("orders")]: "0",
    ...database.env,
  });
  secret = config.internalTokenSecret;
  orders = await startOrdersSubgraph(config);
});
afterAll(async () => {
  await orders?.close();
  await drop?.();
});

type Listed = { orders: Array<{ id: string }> | null };
interface Result<T> {
  data?: { _entities: T[] } | null;
  errors?: Array<{ message: string; extensions?: { code?: string; field?: string } }>;
}

/** Resolves these users' `selection`, as the router asks the subgraph, for `viewer`. */
async function users<T = Listed>(userIds: string[], selection: string, viewer: Viewer | null): Promise<Result<T>> {
  const response = await fetch(orders.url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      [INTERNAL_TOKEN_HEADER]: signInternalToken({ caller: "router", viewer }, secret),
    },
    body: JSON.stringify({
      query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { ${selection} } } }`,
      variables: { r: userIds.map((id) => ({ __typename: "User", id })) },
    }),
  });
  return (await response.json()) as Result<T>;
}

const statements = async () =>
  (await orders.metrics.dbQueries.get()).values
    .filter((value) => value.metricName === "db_query_duration_seconds_count")
    .reduce((sum, value) => sum + value.value, 0);

/**
 * `count` orders of a new buyer, one minute apart, or `tiesOf` at a time at the same instant; returns the
 * buyer and the ids, newest first (and, within a tie, by id as the list orders them).
 */
async function placeOrders(count: number, tiesOf = 1) {
  const buyerId = randomUUID();
  const rows = Array.from({ length: count }, (_, index) => ({
    id: randomUUID(),
    buyerId,
    totalCents: 100 * (index + 1),
    createdAt: new Date(Date.UTC(2026, 0, 1) + Math.floor(index / tiesOf) * 60_000),
  }));
  await orders.db.order.createMany({ data: rows });
  // Postgres orders UUIDs as their lower-case text sorts.
  const newestFirst = rows.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
  return { buyerId, viewer: { userId: buyerId, role: "CUSTOMER" } as Viewer, ids: newestFirst.map((row) => row.id) };
}

const ids = (result: Result<Listed>) => result.data?._entities.map((user) => user.orders?.map((order) => order.id));

describe("User.orders", () => {
  it("returns the user's newest `first` orders, 20 by default", async () => {
    const { buyerId, viewer, ids: newest } = await placeOrders(25);
    expect(ids(await users([buyerId], `orders { id }`, viewer))).toEqual([newest.slice(0, 20)]);
    expect(ids(await users([buyerId], `orders(first: 4) { id }`, viewer))).toEqual([newest.slice(0, 4)]);
    expect(ids(await users([buyerId], `orders(first: 100) { id }`, viewer))).toEqual([newest]);
    // An explicit null is the default, not "all".
    expect(ids(await users([buyerId], `orders(first: null) { id }`, viewer))).toEqual([newest.slice(0, 20)]);
    const admin: Viewer = { userId: randomUUID(), role: "ADMIN" };
    expect(ids(await users([buyerId], `orders(first: 2) { id }`, admin))).toEqual([newest.slice(0, 2)]);
  });

  it("answers every field as Prisma's rows would", async () => {
    const { buyerId, viewer } = await placeOrders(2);
    await orders.db.order.updateMany({ where: { buyerId }, data: { status: "CANCELLED", cancelledAt: new Date() } });
    const result = await users<{ orders: unknown[] }>(
      [buyerId],
      `orders { id status totalCents createdAt buyer { id } }`,
      viewer,
    );
    const rows = await orders.db.order.findMany({ where: { buyerId }, orderBy: { createdAt: "desc" } });
    expect(result.data?._entities[0]?.orders).toEqual(
      rows.map((row) => ({
        id: row.id,
        status: "CANCELLED",
        totalCents: row.totalCents,
        createdAt: row.createdAt.toISOString(),
        buyer: { id: buyerId },
      })),
    );
  });

  it("stays the user's own and admins' only: FORBIDDEN for anyone else, whatever `first`", async () => {
    const { buyerId } = await placeOrders(1);
    const stranger: Viewer = { userId: randomUUID(), role: "CUSTOMER" };
    for (const viewer of [stranger, null]) {
      const result = await users([buyerId], `orders(first: 1) { id }`, viewer);
      expect(result.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      expect(result.data?._entities).toEqual([{ orders: null }]);
    }
  });

  it.each([0, 101, -1])("refuses first: %i with BAD_USER_INPUT", async (first) => {
    const { buyerId, viewer } = await placeOrders(1);
    const result = await users([buyerId], `orders(first: ${first}) { id }`, viewer);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "first" });
    expect(result.errors?.[0]?.message).toBe("first: must be between 1 and 100");
  });

  it("loads many users' orders, whatever their `first`s and `after`s, with one SQL statement", async () => {
    const buyers = await Promise.all([placeOrders(3), placeOrders(5), placeOrders(1)]);
    const admin: Viewer = { userId: randomUUID(), role: "ADMIN" };
    // `after` is an order of the first buyer only: the others' `c` is refused, in the same statement.
    const after = buyers[0]?.ids[0];
    const before = await statements();
    const result = await users<{ a: Listed["orders"]; b: Listed["orders"]; c: Listed["orders"] }>(
      buyers.map((buyer) => buyer.buyerId),
      `a: orders(first: 2) { id } b: orders { id } c: orders(first: 1, after: "${after}") { id }`,
      admin,
    );
    expect(await statements()).toBe(before + 1);
    expect(result.data?._entities).toEqual(
      buyers.map((buyer, index) => ({
        a: buyer.ids.slice(0, 2).map((id) => ({ id })),
        b: buyer.ids.map((id) => ({ id })),
        c: index === 0 ? buyer.ids.slice(1, 2).map((id) => ({ id })) : null,
      })),
    );
    expect(result.errors?.map((error) => error.extensions?.field)).toEqual(["after", "after"]);
  });
});

describe("the `after` of User.orders", () => {
  it("continues the list exactly where the slice before ended, across orders placed at the same instant", async () => {
    // Three orders per instant: slices of 2 end inside a tie as often as not.
    const { buyerId, viewer, ids: newest } = await placeOrders(11, 3);
    const read: string[][] = [];
    for (let after: string | undefined; ; ) {
      const args = after ? `first: 2, after: "${after}"` : "first: 2";
      const result = await users([buyerId], `orders(${args}) { id }`, viewer);
      expect(result.errors).toBeUndefined();
      const slice = ids(result)?.[0] ?? [];
      if (slice.length === 0) break;
      read.push(slice);
      after = slice.at(-1);
    }
    expect(read).toEqual(Array.from({ length: 6 }, (_, n) => newest.slice(2 * n, 2 * n + 2)));
    // Past the 100 the largest slice holds.
    const many = await placeOrders(130);
    const first = ids(await users([many.buyerId], `orders(first: 100) { id }`, many.viewer))?.[0] ?? [];
    const rest = await users([many.buyerId], `orders(first: 100, after: "${first.at(-1)}") { id }`, many.viewer);
    expect([...first, ...(ids(rest)?.[0] ?? [])]).toEqual(many.ids);
  });

  it("refuses, with BAD_USER_INPUT on `after`, an `after` that is not one of this user's orders", async () => {
    const mine = await placeOrders(2);
    const theirs = await placeOrders(2);
    for (const [what, after] of [
      ["an unknown id", randomUUID()],
      ["not a UUID", "not-a-uuid"],
      ["another user's order", theirs.ids[0]],
    ]) {
      const result = await users([mine.buyerId], `orders(after: "${after}") { id }`, mine.viewer);
      expect(result.data?._entities, what).toEqual([{ orders: null }]);
      expect(result.errors?.map((error) => [error.message, error.extensions?.code, error.extensions?.field])).toEqual([
        ["after: must be the id of an item of this list", "BAD_USER_INPUT", "after"],
      ]);
    }
    // The last order is one: after it, the list is simply over.
    expect(ids(await users([mine.buyerId], `orders(after: "${mine.ids[1]}") { id }`, mine.viewer))).toEqual([[]]);
  });
});
