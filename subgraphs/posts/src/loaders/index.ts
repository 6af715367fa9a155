import { createByIdLoader, createGroupLoader, createSliceLoader, type SliceKey } from "@supergraph/kit/subgraph";
import type { Db } from "../data/db.ts";
import { type AuthorSlice, newestPostsByAuthor, newestPostsByProduct } from "../data/newest-posts.ts";

/** Fresh loaders per request: one SQL statement per batch, whatever the number of posts, users or products. */
export function createLoaders(db: Db) {
  return {
    postById: createByIdLoader((ids) => db.post.findMany({ where: { id: { in: ids } } })),
    /** Each author's newest posts, drafts or not as the key says. */
    postsByAuthor: createSliceLoader((keys: AuthorSlice[]) => newestPostsByAuthor(db, keys)),
    /** Each product's newest published posts. */
    publishedPostsByProduct: createSliceLoader((keys: SliceKey[]) => newestPostsByProduct(db, keys)),
    productIdsByPost: createGroupLoader(
      (postIds: string[]) =>
        db.postProduct.findMany({ where: { postId: { in: postIds } }, orderBy: { position: "asc" } }),
      (link) => link.postId,
    ),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;
