import { badUserInput, isUuid } from "@supergraph/kit/subgraph";
import type { Post } from "../generated/prisma/client.ts";
import type { SubscriptionResolvers } from "../generated/resolvers.ts";

export const Subscription = {
  postPublished: {
    async *subscribe(_parent, { productId }, { db, events }) {
      if (!isUuid(productId)) throw badUserInput("productId must be a product id.", "productId");
      // Events are keyed by the id in lower case (see createPost).
      for await (const event of events.subscribe("postPublished", productId.toLowerCase())) {
        // Read as it goes out, published: one unpublished (or deleted) before its event went out is not
        // sent (read once: a second read could find it a draft).
        const post = event && (await db.post.findFirst({ where: { id: event.id, published: true } }));
        if (post) yield post;
      }
    },
    resolve: (post: Post) => post,
  },
} satisfies SubscriptionResolvers;
