import {
  canAccess,
  entityTag,
  forbidden,
  invalidate,
  notFound,
  requireAdmin,
  requireViewer,
  uuidId,
  validate,
} from "@supergraph/kit/subgraph";
import { z } from "zod";
import type { MutationResolvers } from "../generated/resolvers.ts";
import { advanceOrder } from "../rules/fulfilment.ts";
import { cancelOrder, placeOrder } from "../rules/place-order.ts";

export const MAX_LINES = 20;
export const MAX_QUANTITY = 100;

const placeOrderInput = z.object({
  items: z
    .array(
      z.object({ productId: uuidId("must be a product id"), quantity: z.number().int().min(1, "must be at least 1") }),
    )
    .min(1, "an order needs at least one line")
    .max(MAX_LINES, `at most ${MAX_LINES} lines`)
    // Lines naming the same product are merged; the merged quantity is what the bound applies to.
    .transform((lines) => {
      const merged = new Map<string, number>();
      for (const line of lines) merged.set(line.productId, (merged.get(line.productId) ?? 0) + line.quantity);
      return [...merged].map(([productId, quantity]) => ({ productId, quantity }));
    })
    .refine((lines) => lines.every((line) => line.quantity <= MAX_QUANTITY), `at most ${MAX_QUANTITY} of each product`),
});

export const Mutation = {
  async placeOrder(_, args, context) {
    const viewer = requireViewer(context.viewer);
    const { items } = validate(placeOrderInput, args.input, "input");
    // The stock of every product changed (in the products subgraph, which the router did not call), and
    // the buyer's order list grew; an order that failed once its stock was reserved gave the stock back,
    // and a read between the two may have been cached.
    const products = items.map((item) => entityTag("Product", item.productId));
    const order = await placeOrder({ ...context, onReleased: () => invalidate(context, ...products) }, viewer, items);
    invalidate(context, entityTag("User", viewer.userId), ...products);
    return order;
  },

  async cancelOrder(_, { id }, context) {
    const viewer = requireViewer(context.viewer);
    const order = await context.loaders.orderById.load(id);
    if (!order) throw notFound("Order", id);
    if (!canAccess(viewer, order.buyerId)) throw forbidden("Only the buyer and admins can cancel this order.");
    const items = await context.loaders.itemsByOrder.load(order.id);
    // Told whether the cancel finishes or not: it is cancelled before the stock goes back, which may fail.
    invalidate(
      context,
      entityTag("Order", order.id),
      entityTag("User", order.buyerId),
      ...items.map((item) => entityTag("Product", item.productId)),
    );
    await cancelOrder(context, viewer, order);
    return context.db.order.findUniqueOrThrow({ where: { id } });
  },

  async advanceOrder(_, { id, status }, context) {
    requireAdmin(context.viewer);
    const order = await context.loaders.orderById.load(id);
    if (!order) throw notFound("Order", id);
    const advanced = await advanceOrder(context.db, order, status);
    if (advanced.changed) {
      invalidate(context, entityTag("Order", order.id), entityTag("User", order.buyerId));
      // After the update has committed (advanceOrder's is one statement).
      context.events.publish("orderUpdated", { id: order.id, buyerId: order.buyerId });
    }
    return advanced.order;
  },
} satisfies MutationResolvers;
