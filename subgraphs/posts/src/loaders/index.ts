import { createByIdLoader, createGroupLoader } from "@supergraph/kit/subgraph";
import type { Db } from "../data/db.ts";

/** Fresh loaders per request: one SQL statement per batch, whatever the number of posts, users or products. */
export function createLoaders(db: Db) {
  return {
    postById: createByIdLoader((ids) => db.post.findMany({ where: { id: { in: ids } } })),
    postsByAuthor: createGroupLoader(
      (authorIds: string[]) =>
        db.post.findMany({ where: { authorId: { in: authorIds } }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] }),
      (post) => post.authorId,
    ),
    /** Published posts about each product. */
    publishedPostsByProduct: createGroupLoader(
      async (productIds: string[]) =>
        (
          await db.postProduct.findMany({
            where: { productId: { in: productIds }, post: { published: true } },
            include: { post: true },
            orderBy: [{ post: { createdAt: "desc" } }, { postId: "desc" }],
          })
        ).map((link) => ({ productId: link.productId, post: link.post })),
      (row) => row.productId,
    ),
    productIdsByPost: createGroupLoader(
      (postIds: string[]) =>
        db.postProduct.findMany({ where: { postId: { in: postIds } }, orderBy: { position: "asc" } }),
      (link) => link.postId,
    ),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;
