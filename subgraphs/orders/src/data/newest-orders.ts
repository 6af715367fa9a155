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
 * Each buyer's newest `first` orders, newest first, in one statement per batch: a LATERAL subquery with
 * its own LIMIT per key walks the (buyer_id, created_at DESC) index and stops after `first` rows.
 */
export function newestOrdersByBuyer(db: Db, keys: SliceKey[]) {
  return db.$queryRaw<Array<Order & { slice: number }>>`
    SELECT (k.n - 1)::int AS slice, ${order}
    FROM unnest(${keys.map((key) => key.id)}::uuid[], ${keys.map((key) => key.first)}::int[])
      WITH ORDINALITY AS k(buyer_id, first, n)
    CROSS JOIN LATERAL (
      SELECT * FROM orders
      WHERE orders.buyer_id = k.buyer_id
      ORDER BY orders.created_at DESC, orders.id DESC
      LIMIT k.first
    ) o
    ORDER BY k.n, o.created_at DESC, o.id DESC`;
}
