import { canAccess, forbidden } from "@supergraph/kit/subgraph";
import type { QueryResolvers } from "../generated/resolvers.ts";

export const Query = {
  async order(_, { id }, { viewer, loaders }) {
    const order = await loaders.orderById.load(id);
    if (!order) return null;
    if (!canAccess(viewer, order.buyerId)) throw forbidden("Only the buyer and admins can see this order.");
    return order;
  },
} satisfies QueryResolvers;
