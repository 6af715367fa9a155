import { canAccess, forbidden } from "@supergraph/kit";
import type { Context } from "../context.ts";

export const Query = {
  async order(_: unknown, { id }: { id: string }, { viewer, loaders }: Context) {
    const order = await loaders.orderById.load(id);
    if (!order) return null;
    if (!canAccess(viewer, order.buyerId)) throw forbidden("Only the buyer and admins can see this order.");
    return order;
  },
};
