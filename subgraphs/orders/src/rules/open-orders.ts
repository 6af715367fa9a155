import { appError, ErrorCode } from "@supergraph/kit/runtime";
import type { Db } from "../data/db.ts";
import type { Prisma } from "../generated/prisma/client.ts";

/**
 * What one buyer's open orders (PLACED: stock taken, not shipped) may hold at once. Without a bound one
 * account could take a product's whole stock with orders it never means to keep, and cancel them later.
 */
export interface OpenOrderLimits {
  maxOrders: number;
  /** Units of one product, summed over the buyer's open orders. */
  maxQuantity: number;
}

/**
 * Refuses (CONFLICT) an order that would take the buyer past a limit, given the open orders committed so
 * far. Checked before the stock is reserved, and again where the order is saved, under the buyer's lock
 * (see lockBuyer): concurrent orders of one buyer are counted one after another, so none slips past.
 */
export async function checkOpenOrders(
  db: Db | Prisma.TransactionClient,
  limits: OpenOrderLimits,
  buyerId: string,
  lines: ReadonlyArray<{ productId: string; quantity: number }>,
): Promise<void> {
  // One after the other: in a transaction, the statements share its one connection.
  const open = await db.order.count({ where: { buyerId, status: "PLACED" } });
  if (open >= limits.maxOrders) {
    throw appError(
      ErrorCode.CONFLICT,
      `You have ${open} orders waiting to ship, the most at once: cancel one or wait until one ships.`,
      { openOrders: open, limit: limits.maxOrders },
    );
  }
  const held = await db.orderItem.groupBy({
    by: ["productId"],
    where: { productId: { in: lines.map((line) => line.productId) }, order: { buyerId, status: "PLACED" } },
    _sum: { quantity: true },
  });
  const heldOf = new Map(held.map((row) => [row.productId, row._sum.quantity ?? 0]));
  for (const line of lines) {
    const already = heldOf.get(line.productId) ?? 0;
    if (already + line.quantity > limits.maxQuantity) {
      throw appError(
        ErrorCode.CONFLICT,
        `Your orders waiting to ship hold ${already} of product ${line.productId}; at most ${limits.maxQuantity} at once.`,
        { productId: line.productId, held: already, requested: line.quantity, limit: limits.maxQuantity },
      );
    }
  }
}

/**
 * Holds the buyer's lock until the transaction ends: a Postgres advisory lock on the buyer's id, since the
 * buyer has no row in this database to lock.
 */
export async function lockBuyer(tx: Prisma.TransactionClient, buyerId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${buyerId}, 0))`;
}
