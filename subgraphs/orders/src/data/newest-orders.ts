import type { SliceKey } from "@supergraph/kit/subgraph";
import { type Order, Prisma } from "../generated/prisma/client.ts";
import type { Db } from "./db.ts";

// Every field of Order (the compiler checks), so the raw rows are the Order that findMany would return.
const columns = {
  id: "id",
  buyerId: "buyer_id",
  status: "status",
  totalCents: "total_cents",
  createdAt: "created_at",
  cancelledAt: "cancelled_at",
} satisfies Record<keyof Order, string>;
const order = Prisma.raw(
  Object.entries(columns)
    .map(([field, column]) => `o.${column} AS "${field}"`)
    .join(", "),
);

/**
 * Each buyer's newest `first` orders, or the `first` after the order `after`, newest first, in one
 * statement per batch: a LATERAL subquery with its own LIMIT per key walks the (buyer_id, created_at DESC)
 * index from the newest or from `after`'s (created_at, id) on, and stops after `first` rows. With `after`,
 * the rows start at that order itself if it is the buyer's, for createSliceLoader to check and drop.
 */
export function newestOrdersByBuyer(db: Db, keys: SliceKey[]) {
  // Without `after`, or with one that is no order, the bound is ('infinity', null): after every row, as a
  // row comparison stops at its first unequal column. An `OR k.after IS NULL` instead would keep Postgres
  // from starting at the bound's created_at in the index: each slice would read every order before it.
  return db.$queryRaw<Array<Order & { slice: number }>>`
    SELECT (k.n - 1)::int AS slice, ${order}
    FROM unnest(${keys.map((key) => key.id)}::uuid[], ${keys.map((key) => key.first)}::int[],
                ${keys.map((key) => key.after)}::uuid[]) WITH ORDINALITY AS k(buyer_id, first, after, n)
    LEFT JOIN orders a ON a.id = k.after
    CROSS JOIN LATERAL (
      SELECT * FROM orders
      WHERE orders.buyer_id = k.buyer_id
        AND (orders.created_at, orders.id) <= (coalesce(a.created_at, 'infinity'), a.id)
      ORDER BY orders.created_at DESC, orders.id DESC
      LIMIT k.first + (k.after IS NOT NULL)::int
    ) o
    ORDER BY k.n, o.created_at DESC, o.id DESC`;
}
