import { appError, ErrorCode } from "@supergraph/kit/runtime";
import AsyncLock from "async-lock";
import type { Db } from "../data/db.ts";
import { type Order, type OrderItem, Prisma } from "../generated/prisma/client.ts";

/**
 * What one buyer's open orders (PLACED: stock taken, not shipped) may hold at once. Without a bound one
 * account could take a product's whole stock with orders it never means to keep, and cancel them later.
 */
export interface OpenOrderLimits {
  maxOrders: number;
  /** Units of one product, summed over the buyer's open orders. */
  maxQuantity: number;
}

/** The ids of a buyer's open orders, as SQL: both checks of the limits count these. */
const openOrdersOf = (buyerId: string) =>
  Prisma.sql`SELECT id FROM orders WHERE buyer_id = ${buyerId}::uuid AND status = 'PLACED'`;

/**
 * Refuses (CONFLICT) an order that would take the buyer past a limit, given the open orders committed so
 * far: checked before the stock is reserved (saveWithinLimits checks again, as the order is saved), and to
 * say why saveWithinLimits saved nothing.
 */
export async function checkOpenOrders(
  db: Db,
  limits: OpenOrderLimits,
  buyerId: string,
  lines: ReadonlyArray<{ productId: string; quantity: number }>,
): Promise<void> {
  const [row] = await db.$queryRaw<Array<{ open: number; products: string[] | null; held: number[] | null }>>`
    SELECT (SELECT count(*)::int FROM (${openOrdersOf(buyerId)}) o) AS open,
           array_agg(g.product_id::text) AS products, array_agg(g.held) AS held
    FROM (
      SELECT i.product_id, sum(i.quantity)::int AS held
      FROM order_items i
      WHERE i.order_id IN (${openOrdersOf(buyerId)})
        AND i.product_id = ANY(${lines.map((line) => line.productId)}::uuid[])
      GROUP BY i.product_id
    ) g`;
  const open = row?.open ?? 0;
  if (open >= limits.maxOrders) {
    throw appError(
      ErrorCode.CONFLICT,
      `At most ${limits.maxOrders} of your orders may wait to ship at once, and ${open} do: cancel one or wait until one ships.`,
      { reason: "OPEN_ORDERS", openOrders: open, limit: limits.maxOrders },
    );
  }
  const heldOf = new Map((row?.products ?? []).map((productId, index) => [productId, row?.held?.[index] ?? 0]));
  for (const line of lines) {
    const already = heldOf.get(line.productId) ?? 0;
    if (already + line.quantity > limits.maxQuantity) {
      throw appError(
        ErrorCode.CONFLICT,
        `Your orders waiting to ship hold ${already} of product ${line.productId}, of at most ${limits.maxQuantity} at once: ${Math.max(0, limits.maxQuantity - already)} more may be ordered now.`,
        {
          reason: "OPEN_QUANTITY",
          productId: line.productId,
          held: already,
          requested: line.quantity,
          limit: limits.maxQuantity,
        },
      );
    }
  }
}

/** An order to save: its lines as the buyer gave them, with the prices its stock was reserved at. */
export interface NewOrder {
  id: string;
  buyerId: string;
  totalCents: number;
  items: Array<{ productId: string; quantity: number; position: number; unitPriceCents: number }>;
}

/**
 * Saves an order if the buyer's open orders, with it, stay within the limits (the rule of checkOpenOrders,
 * in SQL); null if they would not, and nothing is saved. One transaction of three statements, no round
 * trip back here in between: the buyer's lock (a Postgres advisory lock on their id, as they have no row
 * here), then the order and its items, each inserted only if the limits hold. The lock makes orders of one
 * buyer at several replicas at once count one after another; each statement after it sees what the
 * previous holder committed (read committed takes a snapshot per statement).
 */
export async function saveWithinLimits(
  db: Db,
  limits: OpenOrderLimits,
  order: NewOrder,
): Promise<(Order & { items: OrderItem[] }) | null> {
  const { id, buyerId, totalCents, items } = order;
  const products = items.map((item) => item.productId);
  const quantities = items.map((item) => item.quantity);
  const [, saved] = await db.$transaction([
    db.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${buyerId}, 0))`,
    db.$queryRaw<Order[]>`
      INSERT INTO orders (id, buyer_id, total_cents)
      SELECT ${id}::uuid, ${buyerId}::uuid, ${totalCents}
      WHERE (SELECT count(*) FROM (${openOrdersOf(buyerId)}) o) < ${limits.maxOrders}
        AND NOT EXISTS (
          SELECT 1 FROM unnest(${products}::uuid[], ${quantities}::int[]) AS l(product_id, quantity)
          WHERE l.quantity + (
            SELECT coalesce(sum(i.quantity), 0) FROM order_items i
            WHERE i.order_id IN (${openOrdersOf(buyerId)}) AND i.product_id = l.product_id
          ) > ${limits.maxQuantity}
        )
      RETURNING id, buyer_id AS "buyerId", status, total_cents AS "totalCents", created_at AS "createdAt",
        cancelled_at AS "cancelledAt"`,
    db.$executeRaw`
      INSERT INTO order_items (order_id, product_id, position, quantity, unit_price_cents)
      SELECT ${id}::uuid, l.product_id, l.position, l.quantity, l.unit_price_cents
      FROM unnest(${products}::uuid[], ${items.map((item) => item.position)}::int[], ${quantities}::int[],
                  ${items.map((item) => item.unitPriceCents)}::int[]) AS l(product_id, position, quantity, unit_price_cents)
      WHERE EXISTS (SELECT 1 FROM orders WHERE id = ${id}::uuid)`,
  ]);
  const row = saved[0];
  return row ? { ...row, items: items.map((item) => ({ orderId: id, ...item })) } : null;
}

export type BuyerQueue = <T>(buyerId: string, place: () => Promise<T>) => Promise<T>;

/** A buyer's orders in flight in one process at once; more are refused (RATE_LIMITED) rather than queued. */
const MAX_IN_FLIGHT = 5;

/**
 * Places each buyer's orders one after another in this process (async-lock, keyed by buyer), so that the
 * first check of the limits sees the orders before it: a burst of one buyer's orders reserves no stock past
 * them, and does not hold database connections waiting on the buyer's lock. That lock is for the orders of
 * one buyer that reach several replicas at once.
 */
export function createBuyerQueue(): BuyerQueue {
  const lock = new AsyncLock({ maxPending: MAX_IN_FLIGHT });
  const inFlight = new Map<string, number>();
  return async (buyerId, place) => {
    const count = inFlight.get(buyerId) ?? 0;
    if (count >= MAX_IN_FLIGHT) {
      throw appError(ErrorCode.RATE_LIMITED, "Too many of your orders are being placed at once: retry in a moment.", {
        retryAfterSeconds: 1,
      });
    }
    inFlight.set(buyerId, count + 1);
    try {
      return await lock.acquire(buyerId, place);
    } finally {
      const left = (inFlight.get(buyerId) ?? 1) - 1;
      if (left === 0) inFlight.delete(buyerId);
      else inFlight.set(buyerId, left);
    }
  };
}
