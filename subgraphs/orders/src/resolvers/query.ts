import { canAccess, forbidden, requireViewer } from "@supergraph/kit/subgraph";
import type { QueryResolvers } from "../generated/resolvers.ts";

export const Query = {
  async order(_, { id }, { viewer, loaders }) {
    // Before the order is read: the anonymous learn nothing of whether it exists.
    const signedIn = requireViewer(viewer);
    const order = await loaders.orderById.load(id);
    if (!order) return null;
    if (!canAccess(signedIn, order.buyerId)) throw forbidden("Only the buyer and admins can see this order.");
    return order;
  },
} satisfies QueryResolvers;
