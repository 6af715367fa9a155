import { badUserInput, isUuid, notFound } from "@supergraph/kit/subgraph";
import type { Context } from "../context.ts";
import type { SubscriptionResolvers } from "../generated/resolvers.ts";

export const Subscription = {
  productUpdated: {
    async *subscribe(_parent, { id }, { db, events }) {
      if (!isUuid(id)) throw badUserInput("id must be a product id.", "id");
      // Refused at the start rather than silent forever.
      if (!(await db.product.findFirst({ where: { id, deletedAt: null }, select: { id: true } })))
        throw notFound("Product", id);
      // Events are keyed by the id as the database gives it, in lower case.
      yield* events.subscribe("productUpdated", id.toLowerCase());
    },
    // Read when delivered (a subscription's context lives as long as it does): the product as it is now.
    resolve: (event: { id: string }, _args: unknown, { db }: Pick<Context, "db">) =>
      db.product.findUniqueOrThrow({ where: { id: event.id } }),
  },
} satisfies SubscriptionResolvers;
