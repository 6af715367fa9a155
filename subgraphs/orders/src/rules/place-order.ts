import { randomUUID } from "node:crypto";
import { appError, ErrorCode, type Logger, type Viewer } from "@supergraph/kit/runtime";
import { badUserInput, ServiceUnreachableError } from "@supergraph/kit/subgraph";
import type { StockClient } from "../clients/stock.ts";
import type { Db } from "../data/db.ts";
import type { Events } from "../events/index.ts";
import type { Order, OrderItem } from "../generated/prisma/client.ts";
import { type BuyerQueue, checkOpenOrders, type OpenOrderLimits, saveWithinLimits } from "./open-orders.ts";

const MAX_TOTAL_CENTS = 2 ** 31 - 1;

export type OrderWithItems = Order & { items: OrderItem[] };

/**
 * Places an order: a two-step saga across two databases, products' stock and our orders.
 *
 *   0. Wait for the buyer's orders before it in this process (createBuyerQueue), then refuse it if the
 *      buyer's open orders would pass their limits (checkOpenOrders), before any stock is touched.
 *   1. Reserve the stock in the products subgraph (all lines or none, keyed by a fresh order id), which
 *      also returns the prices to snapshot.
 *   2. Save the order and its items here, in one transaction, under the buyer's lock, if the limits still
 *      hold (saveWithinLimits: an order of the same buyer placed by another replica may have been saved since).
 *
 * What happens on each failure:
 *   - products refuses (NOT_FOUND, INSUFFICIENT_STOCK, …): its transaction took nothing and there is
 *     nothing to undo; the client gets that code.
 *   - products does not answer (refused, or slower than STOCK_TIMEOUT_MS): the reservation is retried
 *     with the same order id, which cannot take stock twice. If every attempt fails we cannot know
 *     whether one landed, so we release that order id (compensation; a release that arrives before a
 *     late reservation makes products refuse the reservation) and answer SERVICE_UNAVAILABLE.
 *   - saving the order fails after stock was reserved: the reservation is released (compensation) and
 *     the error is reported (CONFLICT for a limit, internal otherwise). Nothing is left half-done: no order, no stock taken.
 *   - the compensating release itself fails: nothing more can be done in this request. The failure is
 *     logged with the order id (`stock release failed`) so the stock can be put back by retrying the
 *     release, which is idempotent.
 *   - PLACE_ORDER_TIMEOUT_MS passes (waiting in the queue, or for products, whose calls are cut to it):
 *     nothing is saved after it; what was reserved is released and the client gets SERVICE_UNAVAILABLE.
 *     The router gives up on orders later than that, so a client that saw its order time out and
 *     places it again never finds the first placed after all.
 */
export async function placeOrder(
  deps: {
    db: Db;
    stock: StockClient;
    logger: Logger;
    events: Events;
    config: { openOrders: OpenOrderLimits; placeOrderTimeoutMs: number };
    placing: BuyerQueue;
    requestId?: string;
    /** Told when stock it reserved (or may have) was released: a read made between the two may be cached. */
    onReleased?: () => void;
  },
  viewer: Viewer,
  lines: Array<{ productId: string; quantity: number }>,
): Promise<OrderWithItems> {
  const deadline = Date.now() + deps.config.placeOrderTimeoutMs;
  return deps.placing(viewer.userId, () => placeNow(deps, viewer, lines, deadline));
}

const tooLate = () =>
  appError(ErrorCode.SERVICE_UNAVAILABLE, "The order could not be placed in time; nothing was ordered. Try again.");

async function placeNow(
  deps: Parameters<typeof placeOrder>[0],
  viewer: Viewer,
  lines: Array<{ productId: string; quantity: number }>,
  deadline: number,
): Promise<OrderWithItems> {
  if (Date.now() >= deadline) throw tooLate();
  const limits = deps.config.openOrders;
  await checkOpenOrders(deps.db, limits, viewer.userId, lines);
  const orderId = randomUUID();
  // Releasing is not cut short: it only ever gives stock back.
  const callOptions = { viewer, requestId: deps.requestId };

  const compensate = async (reason: string) => {
    deps.onReleased?.();
    try {
      await deps.stock.release(orderId, callOptions);
      deps.logger.warn({ orderId, reason }, "order not placed; stock reservation released");
    } catch (error) {
      deps.logger.error(
        { err: error, orderId, reason },
        "stock release failed: release this order id to restore stock",
      );
    }
  };

  let reserved: Awaited<ReturnType<StockClient["reserve"]>>;
  try {
    reserved = await deps.stock.reserve(orderId, lines, { ...callOptions, deadline });
  } catch (error) {
    if (!(error instanceof ServiceUnreachableError)) throw error;
    await compensate("products unreachable");
    throw appError(
      ErrorCode.SERVICE_UNAVAILABLE,
      "Stock could not be reserved right now; nothing was ordered. Try again.",
    );
  }

  const priceOf = new Map(reserved.map((line) => [line.productId, line.unitPriceCents]));
  try {
    const items = lines.map((line, position) => {
      const unitPriceCents = priceOf.get(line.productId);
      // The reservation is all lines or none: a line without a price is a broken answer, never a free item.
      if (unitPriceCents === undefined) throw new Error(`the stock reservation has no price for ${line.productId}`);
      return { productId: line.productId, quantity: line.quantity, position, unitPriceCents };
    });
    const totalCents = items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
    if (Date.now() >= deadline) throw tooLate();
    // An Int, in GraphQL and in the database.
    if (totalCents > MAX_TOTAL_CENTS) {
      throw badUserInput(
        `The order's total, ${totalCents} cents, is more than one order may hold (${MAX_TOTAL_CENTS}): split it.`,
        "input.items",
      );
    }
    const order = await saveWithinLimits(deps.db, limits, { id: orderId, buyerId: viewer.userId, totalCents, items });
    if (!order) {
      // Another replica saved an order of this buyer since the first check: say which limit.
      await checkOpenOrders(deps.db, limits, viewer.userId, lines);
      throw appError(ErrorCode.CONFLICT, "Your orders waiting to ship changed meanwhile: try again.");
    }
    // After the order's transaction has committed: a failed one is never announced.
    deps.events.publish("orderUpdated", { id: order.id, buyerId: order.buyerId });
    return order;
  } catch (error) {
    await compensate("order could not be saved");
    throw error;
  }
}

/**
 * Cancels a PLACED order and puts its stock back (a shipped one is a CONFLICT). Marking it cancelled is a conditional update (PLACED →
 * CANCELLED), and the release is idempotent on the products side, so a repeated or concurrent cancel
 * releases the stock exactly once. The release runs on every call while the order is cancelled: if it
 * failed last time (products down), cancelling again finishes the job.
 */
export async function cancelOrder(
  deps: { db: Db; stock: StockClient; events: Events; requestId?: string },
  viewer: Viewer,
  order: Order,
): Promise<void> {
  let status = order.status;
  let changed = false;
  if (status === "PLACED") {
    const { count } = await deps.db.order.updateMany({
      where: { id: order.id, status: "PLACED" },
      data: { status: "CANCELLED", cancelledAt: new Date() },
    });
    changed = count === 1;
    // Published once the cancellation has committed, even if putting the stock back fails below.
    if (changed) deps.events.publish("orderUpdated", { id: order.id, buyerId: order.buyerId });
    // Another request moved it meanwhile (cancelled it too, or shipped it): judged by what it is now.
    if (!changed) status = (await deps.db.order.findUniqueOrThrow({ where: { id: order.id } })).status;
  }
  // A shipped order's stock has left the warehouse: it is not put back.
  if (status === "SHIPPED" || status === "DELIVERED") {
    throw appError(ErrorCode.CONFLICT, `The order is ${status}: it can no longer be cancelled.`, { status });
  }
  try {
    await deps.stock.release(order.id, { viewer, requestId: deps.requestId });
  } catch (error) {
    if (!(error instanceof ServiceUnreachableError)) throw error;
    throw appError(
      ErrorCode.SERVICE_UNAVAILABLE,
      "The order is cancelled, but its stock could not be returned yet. Cancel again to finish.",
    );
  }
}
