import { canAccess, requireViewer } from "@supergraph/kit/subgraph";
import type { Context } from "../context.ts";
import type { SubscriptionResolvers } from "../generated/resolvers.ts";

export const Subscription = {
  orderUpdated: {
    // The privacy filter is here, by the identity the router signed: a customer's subscription never
    // sees another buyer's order, whatever the client asks for.
    async *subscribe(_parent, _args, context) {
      const viewer = requireViewer(context.viewer);
      for await (const event of context.events.subscribe("orderUpdated")) {
        if (event && canAccess(viewer, event.buyerId)) yield event;
      }
    },
    // Read when delivered, not from the request's loaders (a subscription's context lives for its whole
    // life): the order as it is now.
    resolve: (event: { id: string }, _args: unknown, { db }: { db: Context["db"] }) =>
      db.order.findUniqueOrThrow({ where: { id: event.id } }),
  },
} satisfies SubscriptionResolvers;
