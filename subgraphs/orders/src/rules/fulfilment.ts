import { appError, ErrorCode } from "@supergraph/kit/runtime";
import type { Db } from "../data/db.ts";
import type { Order, OrderStatus } from "../generated/prisma/client.ts";

/** The one step each status may take in fulfilment (cancelling is cancelOrder's, from PLACED only). */
const NEXT: Partial<Record<OrderStatus, OrderStatus>> = { PLACED: "SHIPPED", SHIPPED: "DELIVERED" };

/**
 * Moves an order one step on: PLACED → SHIPPED → DELIVERED. Asking for the status it has is harmless (a
 * retried request); any other move is a CONFLICT naming the status. The update is conditional on the
 * status read, so of two concurrent moves only one happens; the other is judged against what it became.
 */
export async function advanceOrder(db: Db, order: Order, to: OrderStatus): Promise<{ order: Order; changed: boolean }> {
  for (let current = order; ; ) {
    if (current.status === to) return { order: current, changed: false };
    if (NEXT[current.status] !== to) {
      throw appError(
        ErrorCode.CONFLICT,
        `An order that is ${current.status} cannot become ${to}: orders go PLACED → SHIPPED → DELIVERED.`,
        {
          status: current.status,
        },
      );
    }
    const { count } = await db.order.updateMany({
      where: { id: current.id, status: current.status },
      data: { status: to },
    });
    const now = await db.order.findUniqueOrThrow({ where: { id: current.id } });
    if (count === 1) return { order: now, changed: true };
    current = now;
  }
}
