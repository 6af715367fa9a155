import { badUserInput, isUuid } from "@supergraph/kit/subgraph";
import type { Context } from "../context.ts";
import type { SubscriptionResolvers } from "../generated/resolvers.ts";

export const Subscription = {
  postPublished: {
    async *subscribe(_parent, { productId }, { db, events }) {
      if (!isUuid(productId)) throw badUserInput("productId must be a product id.", "productId");
      // Events are keyed by the id in lower case (see createPost).
      for await (const event of events.subscribe("postPublished", productId.toLowerCase())) {
        // A post unpublished (or deleted) before its event went out is not sent.
        if (event && (await db.post.count({ where: { id: event.id, published: true } })) > 0) yield event;
      }
    },
    // Read when delivered (a subscription's context lives as long as it does): the post as it is now.
    resolve: (event: { id: string }, _args: unknown, { db }: Pick<Context, "db">) =>
      db.post.findUniqueOrThrow({ where: { id: event.id } }),
  },
} satisfies SubscriptionResolvers;
